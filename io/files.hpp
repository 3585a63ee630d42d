// ccnorm io: whole-file text I/O for the writers of result files (reports, regions, golden).
//
//   write_text(path, text)   creates or truncates path and writes text; throws
//                            std::runtime_error naming the file when it cannot be opened or written
//   read_text(path)          the whole file; throws std::runtime_error naming the file when it
//                            cannot be opened or read
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io/stream.hpp"

namespace ccnorm::io {

inline void write_text(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw io_error("cannot write '" + path + "': " + std::strerror(errno));
  errno = 0;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  const int e = errno ? errno : EIO;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) throw io_error("error writing '" + path + "': " + std::strerror(e));
}

inline std::string read_text(const std::string& path) {
  InputStream f;
  std::string why;
  if (!f.open(path, why)) throw io_error(escape_bytes(why));
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.error()) throw io_error(f.error_message());
  return ss.str();
}

}  // namespace ccnorm::io
