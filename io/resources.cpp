// ccnorm::io resources (see resources.hpp).
#include "io/resources.hpp"

#include <cstdlib>
#include <stdexcept>
#include <system_error>

#ifndef CCNORM_IO_DATA_FROM_INSTALLED_EXE
#define CCNORM_IO_DATA_FROM_INSTALLED_EXE "../share/ccnorm"
#endif
#ifndef CCNORM_IO_DATA_FROM_BUILD_EXE
#define CCNORM_IO_DATA_FROM_BUILD_EXE "share/ccnorm"
#endif

namespace fs = std::filesystem;

namespace ccnorm::io {

namespace {
constexpr const char* kEnv = "CCNORM_DATA_DIR";
}

fs::path executable_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

std::vector<fs::path> data_dirs() {
  if (const char* env = std::getenv(kEnv); env && *env) {
    std::error_code ec;
    fs::path d = fs::absolute(fs::path(env), ec);
    return {ec ? fs::path(env) : d.lexically_normal()};
  }
  std::vector<fs::path> dirs;
  const fs::path exe = executable_path();
  if (!exe.empty()) {
    const fs::path here = exe.parent_path();
    dirs.push_back((here / CCNORM_IO_DATA_FROM_INSTALLED_EXE).lexically_normal());
    dirs.push_back((here / CCNORM_IO_DATA_FROM_BUILD_EXE).lexically_normal());
  }
  return dirs;
}

std::optional<fs::path> find_resource(std::string_view relative) {
  for (const fs::path& d : data_dirs()) {
    std::error_code ec;
    const fs::path p = d / fs::path(relative);
    if (fs::exists(p, ec)) return p;
  }
  return std::nullopt;
}

std::string not_found_message(std::string_view relative) {
  std::string m = "cannot find '" + std::string(relative) + "': looked for ";
  const auto dirs = data_dirs();
  if (dirs.empty()) m += "nothing (cannot read /proc/self/exe and " + std::string(kEnv) + " is not set)";
  for (std::size_t i = 0; i < dirs.size(); ++i) m += (i ? ", " : "") + (dirs[i] / fs::path(relative)).string();
  if (const char* env = std::getenv(kEnv); env && *env)
    m += " (from " + std::string(kEnv) + "; unset it to search next to the executable)";
  else
    m += " (set " + std::string(kEnv) + " to a directory that holds " + std::string(relative) +
         ", e.g. <prefix>/share/ccnorm or the repository root)";
  return m;
}

fs::path resource(std::string_view relative) {
  if (auto p = find_resource(relative)) return *p;
  throw std::runtime_error(not_found_message(relative));
}

}  // namespace ccnorm::io
