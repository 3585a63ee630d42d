// ccnorm io: a stream of input rows (docs/design.md §4 row format) converted to logits.
//
// RowSource<T> reads one vector per line (io/rows.hpp parse_row: comma-separated decimal or hex
// floats; blank lines and '#' lines skipped), converts it from its parameterisation (logits, eta,
// probs; normalizer/params.hpp) and reports bad rows with their 1-based line number and the
// field, in the words every front end prints: "line N: field F: <reason>".
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "io/rows.hpp"
#include "normalizer/params.hpp"

namespace ccnorm::io {

template <class T>
class RowSource {
 public:
  RowSource(std::istream& in, Param p) : in_(in), p_(p) {}
  // Next data row: true with (line, z, error) set (error empty for a good row); false at the end.
  bool next(long& line, std::vector<T>& z, std::string& error) {
    std::string text;
    while (std::getline(in_, text)) {
      ++lineno_;
      error.clear();
      const LineKind k = parse_row<T>(text, vals_, error, p_ == Param::probs ? "probability" : "logit");
      if (k == LineKind::skip) continue;
      line = lineno_;
      if (k == LineKind::row) error = to_logits<T>(p_, vals_.data(), vals_.size(), z);
      return true;
    }
    return false;
  }
  bool bad() const { return in_.bad(); }

 private:
  std::istream& in_;
  Param p_;
  long lineno_ = 0;
  std::vector<T> vals_;
};

}  // namespace ccnorm::io
