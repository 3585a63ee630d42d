// ccnorm io: checked input and output for every subcommand (docs/design.md §4.11).
//
//   io_error                 a file could not be read or written (the message names it); the
//                            subcommands exit with kExitIo (3) for it
//   InputStream              an std::istream over a file or standard input ("-") that refuses a
//                            directory or a closed descriptor when opened, remembers the errno of a
//                            failed read (a read error is never taken for the end of the file) and
//                            drops a UTF-8 byte order mark at the start of the stream
//   write_stdout(s)          writes s to standard output and flushes; false (errno kept) when the
//                            output is gone (disk full, closed pipe with SIGPIPE ignored), so a
//                            streaming loop stops at its next chunk instead of computing on
//   stdout_error(cmd)        the message for a failed standard output, or "" when it is fine
//   escape_bytes(s)          control bytes (NUL included) and DEL as \xHH, a backslash as \\ :
//                            what every message that quotes input uses, so no raw byte reaches a
//                            terminal and no message is cut at a NUL
//   parse_positive_int(s, n) strict decimal integer >= 1 (the --threads and limit options)
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <istream>
#include <memory>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>

namespace ccnorm::io {

inline constexpr int kExitIo = 3;

struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string escape_bytes(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

inline bool parse_positive_int(std::string_view s, long long& n, long long max = INT_MAX) {
  if (s.empty() || s.size() > 18) return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > max) return false;
  n = v;
  return true;
}
inline bool parse_positive_int(std::string_view s, int& n) {
  long long v = 0;
  if (!parse_positive_int(s, v, INT_MAX)) return false;
  n = static_cast<int>(v);
  return true;
}

// A read-only streambuf over a file descriptor that records the errno of a failed read.
class FdReadBuf : public std::streambuf {
 public:
  FdReadBuf(int fd, bool own) : fd_(fd), own_(own) {}
  ~FdReadBuf() override {
    if (own_ && fd_ >= 0) ::close(fd_);
  }
  FdReadBuf(const FdReadBuf&) = delete;
  FdReadBuf& operator=(const FdReadBuf&) = delete;
  int error() const { return err_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (err_ || eof_) return traits_type::eof();
    std::size_t n = 0;
    // at the start, read until 3 bytes (or the end) so that a byte order mark is seen whole
    const std::size_t want = first_ ? 3 : 1;
    while (n < want) {
      const ssize_t r = ::read(fd_, buf_ + n, sizeof buf_ - n);
      if (r < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
        break;
      }
      if (r == 0) {
        eof_ = true;
        break;
      }
      n += static_cast<std::size_t>(r);
    }
    std::size_t skip = 0;
    if (first_) {
      first_ = false;
      if (n >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF && static_cast<unsigned char>(buf_[1]) == 0xBB &&
          static_cast<unsigned char>(buf_[2]) == 0xBF)
        skip = 3;
    }
    if (n == skip) return traits_type::eof();
    setg(buf_, buf_ + skip, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  bool own_;
  bool first_ = true, eof_ = false;
  int err_ = 0;
  char buf_[1 << 16];
};

// An input file or standard input, checked when opened and when read.
class InputStream : public std::istream {
 public:
  InputStream() : std::istream(nullptr) {}
  // path "-" (or empty) is standard input. False with `why` ("cannot read 'x': Is a directory").
  bool open(const std::string& path, std::string& why) {
    const bool std_in = path.empty() || path == "-";
    name_ = std_in ? std::string("standard input") : "'" + path + "'";
    int fd = 0;
    if (std_in) {
      if (::fcntl(0, F_GETFL) < 0) {
        why = "cannot read " + name_ + ": " + std::strerror(errno);
        return false;
      }
    } else {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        why = "cannot open " + name_ + ": " + std::strerror(errno);
        return false;
      }
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      why = "cannot read " + name_ + ": " + std::strerror(EISDIR);
      if (!std_in) ::close(fd);
      return false;
    }
    buf_ = std::make_unique<FdReadBuf>(fd, !std_in);
    rdbuf(buf_.get());
    clear();
    return true;
  }
  // errno of a failed read (0: none; the stream then ended at the end of the file)
  int error() const { return buf_ ? buf_->error() : 0; }
  // "error reading 'x': <strerror>" or ""
  std::string error_message() const {
    return error() ? "error reading " + name_ + ": " + std::strerror(error()) : std::string();
  }
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<FdReadBuf> buf_;
  std::string name_;
};

// The errno of the first failed write to standard output (0: none).
inline int& stdout_errno() {
  static int e = 0;
  return e;
}

// std::getline with a cap: reads one line (without its '\n') keeping at most max_bytes of it; the
// rest of a longer line is read and dropped, and too_long says so. False at the end of the input
// when nothing was read. Memory per line is thus bounded whatever the input (docs/design.md §4.11).
inline bool getline_bounded(std::istream& in, std::string& line, std::size_t max_bytes, bool& too_long) {
  line.clear();
  too_long = false;
  std::streambuf* sb = in.rdbuf();
  if (!sb || !in.good()) return false;
  bool any = false;
  for (;;) {
    const auto c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      if (!any) in.setstate(std::ios::failbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (line.size() < max_bytes) line.push_back(static_cast<char>(c));
    else too_long = true;
  }
}

// Write s to standard output and flush it; false when that failed (errno kept in stdout_errno()).
inline bool write_stdout(std::string_view s) {
  if (std::ferror(stdout)) return false;
  errno = 0;
  const bool ok = (s.empty() || std::fwrite(s.data(), 1, s.size(), stdout) == s.size()) && std::fflush(stdout) == 0;
  if (!ok && !stdout_errno()) stdout_errno() = errno ? errno : EIO;
  return ok;
}

// After a command: flush standard output; "" if all of it was written, else the message.
inline std::string stdout_error(const std::string& cmd) {
  errno = 0;
  const bool ok = std::fflush(stdout) == 0 && !std::ferror(stdout);
  if (ok) return std::string();
  const int e = stdout_errno() ? stdout_errno() : errno ? errno : EIO;
  return cmd + ": error writing standard output: " + std::strerror(e);
}

}  // namespace ccnorm::io
