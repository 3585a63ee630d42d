// libFuzzer target: the row reader of eval, reference and validate --cases (io/rows.hpp parse_row,
// io/row_source.hpp RowSource over io/stream.hpp's checked stream, io::escape_bytes). The input
// is a whole file. Checks: no crash or UB; a parsed row holds finite values only; a message never
// carries a raw control byte (docs/design.md §4.1, §4.11).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "io/row_source.hpp"
#include "io/rows.hpp"
#include "io/stream.hpp"

namespace {
void check_message(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) std::abort();  // a raw control byte would reach the terminal
}
template <class T>
void rows(const std::string& text, ccnorm::Param p) {
  std::istringstream in(text);
  ccnorm::io::RowSource<T> src(in, p);
  long line = 0;
  std::vector<T> z;
  std::string err;
  long last = 0;
  while (src.next(line, z, err)) {
    if (line <= last) std::abort();  // line numbers increase
    last = line;
    if (err.empty()) {
      for (T v : z)
        if (!std::isfinite(v)) std::abort();
    } else {
      check_message(err);
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rows<double>(text, ccnorm::Param::logits);
  rows<float>(text, ccnorm::Param::logits);
  rows<double>(text, ccnorm::Param::eta);
  rows<float>(text, ccnorm::Param::probs);
  std::size_t pos = 0;
  while (pos <= text.size()) {  // each physical line through parse_row directly
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    std::vector<double> v;
    std::string why;
    if (ccnorm::io::parse_row<double>(line, v, why) == ccnorm::io::LineKind::error) check_message(why);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  check_message(ccnorm::io::escape_bytes(text));
  check_message(ccnorm::io::shorten(text));
  int n = 0;
  (void)ccnorm::io::parse_positive_int(text, n);
  return 0;
}
