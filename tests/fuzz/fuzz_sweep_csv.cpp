// libFuzzer target: the sweep/merge CSV reader (bench/sweep/sweep_csv.hpp load_csv, parse_row),
// the input being a whole sweep file (read through an in-memory file, /proc/self/fd/N). Checks:
// no crash or UB; a parsed row (schema 1 or 2, that of its file) prints back to a line that parses to the same row; the canonical
// writer's output of the loaded rows loads again to the same rows (merge's round trip).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "bench/sweep/sweep_csv.hpp"

namespace {
std::string mem_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }
int mem_file(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz_sweep", 0);
  if (fd < 0) std::abort();
  std::size_t off = 0;
  while (off < size) {
    const ssize_t w = ::write(fd, data + off, size - off);
    if (w <= 0) std::abort();
    off += static_cast<std::size_t>(w);
  }
  return fd;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccnorm::sweep;
  // single lines through parse_row
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (int schema : {1, kSchema}) {
    Row r;
    if (parse_row(text, r, schema)) {
      Row again;
      if (!parse_row(r.line(), again, schema) || again.line() != r.line()) std::abort();
    }
  }
  const int fd = mem_file(data, size);
  LoadResult lr;
  bool ok = true;
  try {
    lr = load_csv(mem_path(fd));
  } catch (const std::runtime_error&) {
    ok = false;  // a bad header or a malformed complete line: an error naming the file
  }
  ::close(fd);
  if (!ok) return 0;
  if (lr.valid_bytes > size) std::abort();
  for (const Row& row : lr.rows) {
    Row again;
    if (!parse_row(row.line(), again, lr.schema) || again.line() != row.line()) std::abort();
  }
  return 0;
}
