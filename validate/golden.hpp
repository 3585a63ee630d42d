// ccnorm golden vectors: the case model and the golden file formats (CSV and JSON Lines;
// docs/design.md §5), shared by the generator (validate/golden_gen.hpp, `ccnorm golden`), the
// scorer (validate/validate.hpp, `ccnorm validate`) and the tests. Format documented in
// reference/golden/README.md; summary:
//
//   CSV   '#' provenance lines, then the header line (format version 2)
//           id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad,
//           H,H_lo,H_rad,cov,cov_lo,cov_relrad,kl_q,kl,kl_lo,kl_rad
//         (version 1 files, the first 16 columns, are still read). z, mu, mu_lo, cov, cov_lo,
//         kl_q: ';'-separated lists. param = logits (z holds K values) or eta (z holds the
//         K-1 values eta; the K-th node is 0). All numbers are decimal, shortest round-trip of the
//         double (exact). A = RN(A_true) (round to nearest double), A_lo = RN(A_true - A): the pair
//         carries ~106 bits, so a scorer never compares against a reference rounded to double.
//         A_rad is the certified radius of the enclosure of A_true (|A_true - mid| <= A_rad, mid the
//         high-precision midpoint), mu_relrad = max_j rad(mu_j) / mu_j.
//         The rest of the distribution (version 2; docs/design.md §1.7): H = RN(mid), H_lo =
//         RN(mid - H) of the certified entropy, H_rad bounds |H_true - (H + H_lo)|; cov, cov_lo the
//         K x K covariance row-major (stored for K <= cov_max_K of the set), cov_relrad = max_ij
//         of the same bound over sqrt(Cov_ii Cov_jj) (the entry's natural scale); kl_q the q row
//         of the case's KL pair in the case's param and dtype (K or K-1 values; an eta row's q is
//         (kl_q, 0)), kl, kl_lo, kl_rad the certified KL(p || q) (p = the case's logits). Unlike A,
//         logC and mu these are not required to be decided to the last bit of the double: their
//         enclosures are certified to 2^-80 of their scale (max(1, |H|), sqrt(Cov_ii Cov_jj),
//         KL), far below the u-resolution of the scorer, and the radius says how far.
//         Empty reference fields mean "not stored": `ccnorm validate` then computes the certified
//         reference itself (adapters use this for inputs they had to transform); kl needs kl_q.
//   JSONL first line {"format":"ccnorm-golden","version":2,"provenance":{...}}, then one object per
//         case with the same keys (z, mu, mu_lo, cov, cov_lo, kl_q as arrays; seed as an integer
//         < 2^53).
//
// Only the small JSON subset these files use is parsed (objects of strings, numbers, arrays of
// numbers, null); a full JSON library is not a dependency of the project.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm::golden {

inline constexpr int kFormatVersion = 2;
inline constexpr const char* kCsvHeader =
    "id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad,"
    "H,H_lo,H_rad,cov,cov_lo,cov_relrad,kl_q,kl,kl_lo,kl_rad";
inline constexpr std::size_t kCsvFields = 26;
// Format version 1: the first 16 columns.
inline constexpr const char* kCsvHeaderV1 =
    "id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad";
inline constexpr std::size_t kCsvFieldsV1 = 16;

struct Case {
  std::string id;
  std::string family = "input";
  std::uint64_t seed = 0;
  bool eta = false;      // param: the row x is eta (K-1 values), z = (eta, 0)
  bool f32 = false;      // dtype column: every input value is exactly representable in float
  std::size_t K = 0;     // number of nodes (after appending 0 for eta)
  std::vector<double> x; // the input as given (K or K-1 values)
  // reference (hi + lo: ~106 bits), radii of the certified enclosure
  bool has_ref = false;
  double A = 0, A_lo = 0, A_rad = 0, logC = 0, logC_lo = 0, logC_rad = 0;
  bool has_mu = false;
  std::vector<double> mu, mu_lo;
  double mu_relrad = 0;
  // the rest of the distribution (format version 2)
  bool has_H = false;
  double H = 0, H_lo = 0, H_rad = 0;
  bool has_cov = false;
  std::vector<double> cov, cov_lo;  // K x K, row-major
  double cov_relrad = 0;
  std::vector<double> kl_q;         // the q row (as x: K or K-1 values); empty: no KL pair
  bool has_kl = false;
  double kl = 0, kl_lo = 0, kl_rad = 0;
  long line = 0;  // 1-based line in the file it came from

  std::vector<double> z() const {
    std::vector<double> v = x;
    if (eta) v.push_back(0.0);
    return v;
  }
  // the logits of the KL pair's q
  std::vector<double> zq() const {
    std::vector<double> v = kl_q;
    if (eta) v.push_back(0.0);
    return v;
  }
};

// Raised with a message that names the file and line.
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool float_representable(double v) { return static_cast<double>(static_cast<float>(v)) == v; }

// The K band of the composition tables and scorecards: "1", "2", "3-10", "11-100", "101-1000", ">1000".
inline std::string k_band(std::size_t K) {
  if (K <= 2) return std::to_string(K);
  if (K <= 10) return "3-10";
  if (K <= 100) return "11-100";
  if (K <= 1000) return "101-1000";
  return ">1000";
}

// ---- writers: one data line (no newline), format version 2 ----
std::string csv_row(const Case& c);
std::string json_row(const Case& c);

// ---- readers ----
// One data line; throws std::invalid_argument with the reason (no file or line: the callers add them).
Case parse_csv_row(std::string_view line, int version = kFormatVersion);
Case parse_json_row(std::string_view line);

enum class FileKind { eval, golden_csv, golden_jsonl };

// Detect by the first line that is neither blank nor a '#' comment: "id,family,..." is golden CSV,
// '{' starts golden JSON Lines, anything else is eval's input format.
FileKind detect(const std::vector<std::string>& lines);

// The lines of a file; throws FormatError naming the file when it cannot be opened.
std::vector<std::string> read_lines(const std::string& path);

// Parse a golden file (CSV or JSONL, already split into lines). Errors name path:line.
std::vector<Case> parse_golden(const std::vector<std::string>& lines, FileKind kind, const std::string& path);

}  // namespace ccnorm::golden
