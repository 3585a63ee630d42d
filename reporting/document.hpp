// ccnorm report: the document model of the report. A report is a list of blocks (headings,
// paragraphs, preformatted text, figures, tables) rendered twice: as Markdown (report.md) and as
// a self-contained HTML page (report.html: PNG figures inlined as base64 data URIs, one style
// sheet in the head). Text may hold `code` spans (Markdown backticks; <code> in HTML); '|' in
// table cells is escaped for Markdown; HTML text is entity-escaped.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm::report {

struct Block {
  enum Kind { heading, paragraph, preformatted, figure, table } kind = paragraph;
  int level = 2;                              // heading
  std::string text;                           // heading, paragraph, preformatted; figure: caption
  std::string file;                           // figure: the PNG's file name (relative to the report)
  std::vector<std::string> head;              // table
  std::vector<std::vector<std::string>> rows; // table
};

class Document {
 public:
  void heading(int level, std::string text);
  void paragraph(std::string text);
  void preformatted(std::string text);
  void figure(std::string file, std::string caption);
  void table(std::vector<std::string> head, std::vector<std::vector<std::string>> rows);

  const std::vector<Block>& blocks() const { return blocks_; }
  std::string markdown() const;
  // image_data(file) returns the bytes of a figure (throws what it throws).
  std::string html(const std::string& title, const std::function<std::string(const std::string&)>& image_data) const;

 private:
  std::vector<Block> blocks_;
};

// RFC 4648 base64 (with padding).
std::string base64(std::string_view bytes);

}  // namespace ccnorm::report
