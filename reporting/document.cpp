// ccnorm report: the document model (see document.hpp).
#include "reporting/document.hpp"

#include "io/format.hpp"

namespace ccnorm::report {

void Document::heading(int level, std::string text) {
  Block b;
  b.kind = Block::heading;
  b.level = level;
  b.text = std::move(text);
  blocks_.push_back(std::move(b));
}
void Document::paragraph(std::string text) {
  Block b;
  b.kind = Block::paragraph;
  b.text = std::move(text);
  blocks_.push_back(std::move(b));
}
void Document::preformatted(std::string text) {
  Block b;
  b.kind = Block::preformatted;
  b.text = std::move(text);
  blocks_.push_back(std::move(b));
}
void Document::figure(std::string file, std::string caption) {
  Block b;
  b.kind = Block::figure;
  b.file = std::move(file);
  b.text = std::move(caption);
  blocks_.push_back(std::move(b));
}
void Document::table(std::vector<std::string> head, std::vector<std::vector<std::string>> rows) {
  Block b;
  b.kind = Block::table;
  b.head = std::move(head);
  b.rows = std::move(rows);
  blocks_.push_back(std::move(b));
}

namespace {

std::string md_cell(std::string s) {
  for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  return s;
}

// HTML text with `code` spans as <code>.
std::string inline_html(const std::string& s) {
  const std::string e = io::html_escape(s);
  std::string o;
  bool in = false;
  for (char c : e) {
    if (c == '`') {
      o += in ? "</code>" : "<code>";
      in = !in;
    } else o += c;
  }
  if (in) o += "</code>";
  return o;
}

const char* kStyle =
    "<style>\nbody{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1200px;"
    "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\ntable{border-collapse:collapse;margin:1em 0;"
    "font-size:0.85em}\nth,td{border:1px solid #bbb;padding:3px 7px;text-align:right}\nth{background:#eee}\n"
    "td:first-child,th:first-child{text-align:left}\ncode,pre{background:#f5f5f5;font-family:monospace}\n"
    "pre{padding:0.6em;overflow-x:auto;font-size:0.8em}\nimg{max-width:100%;border:1px solid #ddd}\n"
    "figure{margin:1.2em 0}\nfigcaption{font-style:italic;font-size:0.9em}\n</style>";

}  // namespace

std::string Document::markdown() const {
  std::string o;
  for (const auto& x : blocks_) {
    switch (x.kind) {
      case Block::heading: o += std::string(x.level, '#') + ' ' + x.text + "\n\n"; break;
      case Block::paragraph: o += x.text + "\n\n"; break;
      case Block::preformatted: o += "```\n" + x.text + "\n```\n\n"; break;
      case Block::figure: o += "![" + x.text + "](" + x.file + ")\n\n*" + x.text + "*\n\n"; break;
      case Block::table: {
        o += "|";
        for (const auto& c : x.head) o += ' ' + md_cell(c) + " |";
        o += "\n|";
        for (std::size_t i = 0; i < x.head.size(); ++i) o += "---|";
        o += "\n";
        for (const auto& r : x.rows) {
          o += "|";
          for (const auto& c : r) o += ' ' + md_cell(c) + " |";
          o += "\n";
        }
        o += "\n";
        break;
      }
    }
  }
  return o;
}

std::string Document::html(const std::string& title,
                           const std::function<std::string(const std::string&)>& image_data) const {
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + io::html_escape(title) +
                  "</title>\n" + kStyle + "</head><body>\n";
  for (const auto& x : blocks_) {
    switch (x.kind) {
      case Block::heading: {
        const std::string l = std::to_string(x.level);
        o += "<h" + l + ">" + inline_html(x.text) + "</h" + l + ">\n";
        break;
      }
      case Block::paragraph: o += "<p>" + inline_html(x.text) + "</p>\n"; break;
      case Block::preformatted: o += "<pre>" + io::html_escape(x.text) + "</pre>\n"; break;
      case Block::figure:
        o += "<figure><img alt=\"" + io::html_escape(x.text) + "\" src=\"data:image/png;base64," + base64(image_data(x.file)) +
             "\"><figcaption>" + inline_html(x.text) + "</figcaption></figure>\n";
        break;
      case Block::table: {
        o += "<table><thead><tr>";
        for (const auto& c : x.head) o += "<th>" + inline_html(c) + "</th>";
        o += "</tr></thead><tbody>\n";
        for (const auto& r : x.rows) {
          o += "<tr>";
          for (const auto& c : r) o += "<td>" + inline_html(c) + "</td>";
          o += "</tr>\n";
        }
        o += "</tbody></table>\n";
        break;
      }
    }
  }
  return o + "</body></html>\n";
}

std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += t[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    o += t[v >> 18], o += t[(v >> 12) & 63], o += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    o += t[v >> 18], o += t[(v >> 12) & 63], o += t[(v >> 6) & 63], o += '=';
  }
  return o;
}

}  // namespace ccnorm::report
