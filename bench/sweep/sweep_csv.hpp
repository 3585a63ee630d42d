// ccnorm sweep CSV (docs/design.md §5.6): the schema, the row model, the resumable reader and the
// canonical writers of `ccnorm sweep` / `ccnorm merge`.
//
//   family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A,err_H,err_var,err_cov,err_kl
// (one row per case; schema 2). The case key is (family,K,sigma,seed,algo,dtype) (sigma printed
// with %g). `hash` is the FNV-1a 64-bit hash (16 hex digits) of the bit patterns of the input
// actually evaluated (the float values for f32, widened to double). Errors are printed with %.6g
// ("inf" for infinite). The four distribution columns (the entropy, the variances, the
// covariance, the KL divergence; bench/sweep/measure.hpp) are empty where they were not computed
// (K above the sweep's dist_max_K).
// Schema 1 (files written before the distribution columns existed) is the first ten columns:
//   family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A
// load_csv reads either (LoadResult::schema; schema-1 rows have no distribution values) and the
// writers keep the schema of the rows they are given, so `ccnorm merge` and `ccnorm report` work
// on old files; `ccnorm sweep` refuses to resume a schema-1 file (its rows lack the new columns)
// and `ccnorm merge` refuses to mix the two schemas.
// The worst input of each (algo,dtype,family,K) group is NOT in the rows: it goes to the
// companion file worst_path(out) = <out without .csv>.worst.csv:
//   algo,dtype,family,K,n,max_err_A,sigma,seed,hash,input
// where input is the regenerated input (checked against `hash`) as space-separated C99 hex
// floats (%a), the row with the largest err_A (then err_mu) of the group.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace ccnorm::sweep {

inline constexpr const char* kHeader = "family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A,err_H,err_var,err_cov,err_kl";
inline constexpr std::size_t kFields = 14;
// Schema 1: the first ten columns only.
inline constexpr const char* kHeaderV1 = "family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A";
inline constexpr std::size_t kFieldsV1 = 10;
inline constexpr int kSchema = 2;

struct Row {
  std::string family;
  std::size_t K = 0;
  std::string sigma;  // %g
  std::uint32_t seed = 0;
  std::string algo, dtype, hash;
  double err_A = 0, err_mu = 0, ulps_A = 0;
  // distribution columns (schema 2): NaN = not computed (an empty field)
  double err_H = std::numeric_limits<double>::quiet_NaN(), err_var = std::numeric_limits<double>::quiet_NaN(),
         err_cov = std::numeric_limits<double>::quiet_NaN(), err_kl = std::numeric_limits<double>::quiet_NaN();
  int schema = kSchema;  // the schema of the file the row came from (line() writes it)

  std::string key() const;
  std::string line() const;
  // Canonical order: family, K, sigma (numeric), seed, algo, dtype.
  std::tuple<std::string, std::size_t, double, std::uint32_t, std::string, std::string> order() const;
};

// Parse one data line of the given schema (1 or 2); false if it does not match it.
bool parse_row(const std::string& line, Row& r, int schema = kSchema);
// The header line of a schema.
const char* header_of(int schema);

struct LoadResult {
  std::vector<Row> rows;
  bool existed = false;
  bool dropped_partial = false;  // a partial (unterminated) last line was found
  std::size_t valid_bytes = 0;   // length of the file up to the last complete line
  int schema = kSchema;          // the file's schema (by its header); kSchema for an absent file
};

// Read a sweep CSV of schema 2 or 1. Throws std::runtime_error if the header matches neither or a
// complete line is malformed, io::io_error if it exists but cannot be read (a directory, EIO). An
// unterminated last line (a killed writer) is reported in
// dropped_partial and ignored. An absent file is an empty result (existed = false).
LoadResult load_csv(const std::string& path);

// <out without .csv>.worst.csv
std::string worst_path(const std::string& out);

// Write rows (sorted canonically; identical rows written once, differing rows with one key all
// kept) atomically: tmp file, fsync, rename; throws io::io_error naming the file. The rows must
// share one schema (that of the first row; schema 2 when empty): std::invalid_argument otherwise.
void write_sorted(const std::string& path, std::vector<Row> rows);

// An exclusive lock on an output file, held for the object's lifetime (docs/design.md §5.6): a
// flock(2) on the companion <out>.lock (created if absent, never removed; it holds the pid of
// the holder). Two sweeps, or a sweep and a merge, on one output would interleave appends and
// let one final rewrite drop the other's rows; the second one refuses instead (wait = false) or
// blocks until the first is done (wait = true). Throws io::io_error naming the file when the
// lock file cannot be created (e.g. a read-only directory) or the lock is held.
class OutputLock {
 public:
  OutputLock(const std::string& out, bool wait = false);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  int fd_ = -1;
};
std::string lock_path(const std::string& out);  // <out>.lock

// Check, before any work, that out (and its tmp file, for the final atomic rewrite) can be
// written in its directory; throws io::io_error naming the file otherwise.
void check_writable(const std::string& out);

// The worst case of each (algo,dtype,family,K) group, with the input regenerated and checked
// against the row's hash. Returns the number of groups whose input could not be regenerated.
// Ties (e.g. several infinite errors) go to the first row in the canonical order, so the file does
// not depend on the order of `rows`.
std::size_t write_worst(const std::string& path, std::vector<Row> rows);

}  // namespace ccnorm::sweep
