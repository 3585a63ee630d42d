// libFuzzer target: validate's results reader and scorer (validate/validate.hpp run) on arbitrary
// results files against fixed golden cases with stored references (no reference is computed per
// input: tests/fuzz/validate_cases.csv, 12 cases of reference/golden/golden.csv, K <= 5). The
// first input byte picks --quantity (A, logC, negA, mean), --dtype and --results-format; the rest
// is the results file. Checks: no crash or UB; exit status 0, 1 or 2 (never an I/O error: the
// files are there); the messages on the error stream carry no raw control byte.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "validate/validate.hpp"

#ifndef CCNORM_FUZZ_CASES
#error "CCNORM_FUZZ_CASES: path of tests/fuzz/validate_cases.csv"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccnorm::validate;
  if (size == 0) return 0;
  const unsigned sel = data[0];
  const int fd = ::memfd_create("fuzz_results", 0);
  if (fd < 0) std::abort();
  if (size > 1 && ::write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) std::abort();
  Options o;
  o.cases = CCNORM_FUZZ_CASES;
  o.results = "/proc/self/fd/" + std::to_string(fd);
  const Quantity qs[] = {Quantity::A, Quantity::logC, Quantity::negA, Quantity::mean};
  o.q = qs[sel & 3];
  o.f32 = (sel >> 2) & 1;
  o.eval_results = (sel >> 3) & 1;
  o.threads = 1;
  o.worst = 3;
  std::FILE* out = std::fopen("/dev/null", "w");
  std::FILE* err = std::tmpfile();
  const int rc = run(o, out, err);
  std::fclose(out);
  std::rewind(err);
  int c;
  while ((c = std::fgetc(err)) != EOF)
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();
  std::fclose(err);
  ::close(fd);
  if (rc < 0 || rc > 2) std::abort();
  return 0;
}
