// ccnorm io: whole-file text I/O for the writers of result files (reports, regions, golden).
//
//   write_text(path, text)   creates or truncates path and writes text; throws
//                            std::runtime_error naming the file when it cannot be opened or written
//   read_text(path)          the whole file; throws std::runtime_error naming the file when it
//                            cannot be opened or read
#pragma once
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ccnorm::io {

inline void write_text(const std::string& path, std::string_view text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.flush();
  if (!f) throw std::runtime_error("error writing '" + path + "'");
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw std::runtime_error("error reading '" + path + "'");
  return ss.str();
}

}  // namespace ccnorm::io
