// ccnorm CLI: default resource locations (see defaults.hpp).
#include "cli/defaults.hpp"

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace ccnorm::cli {

namespace {
std::string capture(const std::string& cmd) {
  std::string out;
  if (std::FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}
}  // namespace

std::string source_dir() {
#ifdef CCNORM_SOURCE_DIR
  return CCNORM_SOURCE_DIR;
#else
  // cli/defaults.cpp -> the repository root (CMake passes absolute source paths).
  return fs::path(__FILE__).parent_path().parent_path().string();
#endif
}

std::string default_plots_dir() { return source_dir() + "/plots"; }

std::string default_peers_script() {
  if (fs::exists("bench/peers/peers.py")) return fs::absolute("bench/peers/peers.py").string();
  return source_dir() + "/bench/peers/peers.py";
}

std::string default_python() { return "/usr/bin/python3"; }

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

std::string source_git_sha() {
  const std::string dir = source_dir();
  std::string sha = capture("git -C '" + dir + "' rev-parse HEAD 2>/dev/null");
  if (!sha.empty() && !capture("git -C '" + dir + "' status --porcelain --untracked-files=no 2>/dev/null").empty())
    sha += " (working tree modified)";
  return sha;
}

std::string cwd_git_short() {
  const std::string out = capture("git rev-parse --short=12 HEAD 2>/dev/null && git status --porcelain 2>/dev/null | head -1");
  const auto nl = out.find('\n');
  if (out.empty() || nl == 0) return "unknown";
  if (nl == std::string::npos) return out;
  return out.substr(0, nl) + "-dirty";
}

}  // namespace ccnorm::cli
