// libFuzzer target: the golden-file readers (validate/golden.hpp: detect, parse_golden for CSV and
// JSON Lines, parse_csv_row, parse_json_row), the input being a whole file. Checks: no crash or
// UB; errors are golden::FormatError naming path:line, with no raw control byte in the message.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "validate/golden.hpp"

namespace {
void check_message(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccnorm::golden;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  const FileKind kind = detect(lines);
  for (FileKind k : {kind, FileKind::golden_csv, FileKind::golden_jsonl}) {
    if (k == FileKind::eval) continue;
    try {
      const auto cases = parse_golden(lines, k, "fuzz.golden");
      for (const auto& c : cases)
        if (c.K != c.x.size() + (c.eta ? 1 : 0)) std::abort();
    } catch (const FormatError& e) {
      check_message(e.what());
    }
  }
  for (const auto& l : lines) {
    try {
      (void)parse_csv_row(l);
    } catch (const std::invalid_argument& e) {
      check_message(e.what());
    }
    try {
      (void)parse_json_row(l);
    } catch (const std::invalid_argument& e) {
      check_message(e.what());
    }
  }
  return 0;
}
