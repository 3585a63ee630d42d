// ccnorm sweep CSV (see sweep_csv.hpp).
#include "bench/sweep/sweep_csv.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "bench/sweep/inputs.hpp"
#include "io/csv.hpp"
#include "io/format.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::sweep {

std::string Row::key() const {
  return family + ',' + std::to_string(K) + ',' + sigma + ',' + std::to_string(seed) + ',' + algo + ',' + dtype;
}
namespace {
// A distribution column: empty when not computed (NaN), else as format_error.
std::string dist_field(double x) { return std::isnan(x) ? std::string() : io::format_error(x); }
double parse_dist_field(const std::string& s) {
  return s.empty() ? std::numeric_limits<double>::quiet_NaN() : io::parse_error(s);
}
}  // namespace

std::string Row::line() const {
  std::string s = key() + ',' + hash + ',' + io::format_error(err_A) + ',' + io::format_error(err_mu) + ',' +
                  io::format_error(ulps_A);
  if (schema >= 2) s += ',' + dist_field(err_H) + ',' + dist_field(err_var) + ',' + dist_field(err_cov) + ',' + dist_field(err_kl);
  return s;
}

const char* header_of(int schema) { return schema == 1 ? kHeaderV1 : kHeader; }
std::tuple<std::string, std::size_t, double, std::uint32_t, std::string, std::string> Row::order() const {
  return std::make_tuple(family, K, std::stod(sigma), seed, algo, dtype);
}

bool parse_row(const std::string& line, Row& r, int schema) {
  const auto f = io::split(line, ',');
  if (f.size() != (schema == 1 ? kFieldsV1 : kFields)) return false;
  r.schema = schema;
  try {
    std::size_t p = 0;
    r.family = f[0];
    r.K = std::stoul(f[1], &p);
    if (p != f[1].size()) return false;
    r.sigma = f[2];
    (void)std::stod(f[2]);
    r.seed = static_cast<std::uint32_t>(std::stoul(f[3], &p));
    if (p != f[3].size()) return false;
    r.algo = f[4];
    r.dtype = f[5];
    r.hash = f[6];
    if (r.hash.size() != 16) return false;
    r.err_A = io::parse_error(f[7]);
    r.err_mu = io::parse_error(f[8]);
    r.ulps_A = io::parse_error(f[9]);
    if (schema >= 2) {
      r.err_H = parse_dist_field(f[10]);
      r.err_var = parse_dist_field(f[11]);
      r.err_cov = parse_dist_field(f[12]);
      r.err_kl = parse_dist_field(f[13]);
    }
  } catch (const std::exception&) {
    return false;
  }
  Algo a;
  return parse_algo(r.algo, a) && (r.dtype == "f64" || r.dtype == "f32");
}

LoadResult load_csv(const std::string& path) {
  LoadResult res;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return res;
  io::InputStream in;
  std::string why;
  if (!in.open(path, why)) throw io::io_error(io::escape_bytes(why));
  res.existed = true;
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.error()) throw io::io_error(in.error_message());
  const std::string all = ss.str();
  if (all.empty()) return res;
  const std::size_t last_nl = all.rfind('\n');
  if (last_nl == std::string::npos) {  // not even a complete header
    res.dropped_partial = true;
    return res;
  }
  res.valid_bytes = last_nl + 1;
  res.dropped_partial = res.valid_bytes != all.size();
  std::size_t pos = 0;
  bool header = true;
  long lineno = 0;
  while (pos < res.valid_bytes) {
    const std::size_t nl = all.find('\n', pos);
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header) {
      if (line == kHeader) res.schema = kSchema;
      else if (line == kHeaderV1) res.schema = 1;
      else
        throw std::runtime_error(path + ": header does not match the sweep schema '" + std::string(kHeader) +
                                 "' (nor the schema-1 header of older files, its first ten columns)");
      header = false;
      continue;
    }
    if (line.empty()) continue;
    Row r;
    if (!parse_row(line, r, res.schema))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": malformed sweep row: " + io::shorten(line));
    res.rows.push_back(std::move(r));
  }
  return res;
}

std::string worst_path(const std::string& out) {
  std::string base = out;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".csv") == 0) base.resize(base.size() - 4);
  return base + ".worst.csv";
}

namespace {
// Write `text` to path atomically (tmp file, fsync, rename); throws naming the file.
void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw io::io_error("cannot write " + tmp + ": " + std::strerror(errno));
  errno = 0;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  ok = ::fsync(fileno(f)) == 0 && ok;
  const int e = errno ? errno : EIO;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw io::io_error("error writing " + tmp + ": " + std::strerror(e));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int re = errno;
    std::remove(tmp.c_str());
    throw io::io_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(re));
  }
}
void sort_canonically(std::vector<Row>& rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.order() < b.order(); });
}
}  // namespace

void write_sorted(const std::string& path, std::vector<Row> rows) {
  const int schema = rows.empty() ? kSchema : rows.front().schema;
  for (const auto& r : rows)
    if (r.schema != schema)
      throw std::invalid_argument("sweep rows of schema 1 (no distribution columns) and schema 2 cannot be written to one file");
  sort_canonically(rows);
  std::string text = std::string(header_of(schema)) + '\n';
  std::string prev;
  for (const auto& r : rows) {
    std::string l = r.line();
    if (l == prev) continue;  // the same row twice (two writers): once; differing rows are all kept
    text += l + '\n';
    prev = std::move(l);
  }
  write_atomically(path, text);
}

std::string lock_path(const std::string& out) { return out + ".lock"; }

OutputLock::OutputLock(const std::string& out, bool wait) {
  const std::string lp = lock_path(out);
  fd_ = ::open(lp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io::io_error("cannot create the lock file " + lp + ": " + std::strerror(errno));
  for (;;) {
    if (::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) break;
    if (errno == EINTR) continue;
    const int e = errno;
    std::string holder;
    char buf[32] = {0};
    if (::pread(fd_, buf, sizeof buf - 1, 0) > 0) holder = " (pid " + std::string(io::trim(buf)) + ")";
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK)
      throw io::io_error(out + " is in use by another ccnorm sweep or merge" + holder + " (lock " + lp +
                         "); wait for it to finish or choose another output");
    throw io::io_error("cannot lock " + lp + ": " + std::strerror(e));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

void check_writable(const std::string& out) {
  // the output itself: appended to during the run
  const int fd = ::open(out.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw io::io_error("cannot write " + out + ": " + std::strerror(errno));
  ::close(fd);
  // the tmp file of the final atomic rewrite: needs a writable directory
  const std::string tmp = out + ".tmp";
  const int t = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (t < 0)
    throw io::io_error("cannot write " + tmp + " (needed for the final rewrite of " + out + "): " + std::strerror(errno));
  ::close(t);
  ::unlink(tmp.c_str());
}

std::size_t write_worst(const std::string& path, std::vector<Row> rows) {
  sort_canonically(rows);
  std::map<std::tuple<std::string, std::string, std::string, std::size_t>, std::pair<const Row*, std::size_t>> g;
  for (const auto& r : rows) {
    auto& e = g[{r.algo, r.dtype, r.family, r.K}];
    ++e.second;
    if (!e.first || std::make_pair(r.err_A, r.err_mu) > std::make_pair(e.first->err_A, e.first->err_mu)) e.first = &r;
  }
  std::size_t bad = 0;
  std::string text = "algo,dtype,family,K,n,max_err_A,sigma,seed,hash,input\n";
  for (const auto& [k, v] : g) {
    const Row& r = *v.first;
    std::string hex;
    try {
      const auto z = generate(r.family, r.K, std::stod(r.sigma), r.seed);
      if (r.dtype == "f32") {
        const auto zf = as<float>(z);
        if (hex64(hash_input(zf)) == r.hash) hex = input_hex(zf);
      } else if (hex64(hash_input(z)) == r.hash) {
        hex = input_hex(z);
      }
    } catch (const std::exception&) {
    }
    if (hex.empty()) {
      ++bad;
      hex = "unavailable (generator mismatch)";
    }
    text += r.algo + ',' + r.dtype + ',' + r.family + ',' + std::to_string(r.K) + ',' + std::to_string(v.second) + ',' +
            io::format_error(r.err_A) + ',' + r.sigma + ',' + std::to_string(r.seed) + ',' + r.hash + ',' + hex + '\n';
  }
  write_atomically(path, text);
  return bad;
}

}  // namespace ccnorm::sweep
