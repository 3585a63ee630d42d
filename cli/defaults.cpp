// ccnorm CLI: default resource locations (see defaults.hpp).
#include "cli/defaults.hpp"

#include <filesystem>

#include <ccnorm/build_info.hpp>

#include "io/resources.hpp"

namespace fs = std::filesystem;

namespace ccnorm::cli {

std::string default_plots_dir() {
  const auto p = io::find_resource("plots");
  return p ? p->string() : std::string();
}

std::string plots_not_found() { return io::not_found_message("plots") + "; or pass --plots DIR"; }

std::string default_peers_script() {
  const char* rel = "bench/peers/peers.py";
  if (auto p = io::find_resource(rel)) return p->string();
  // not found: the first place it would be, so that the peer rows record the failed subprocess
  const auto dirs = io::data_dirs();
  return dirs.empty() ? std::string(rel) : (dirs.front() / rel).string();
}

std::string default_python() { return "/usr/bin/python3"; }

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

std::string source_git_sha() {
  std::string sha = build_info::git_sha;
  if (!sha.empty() && build_info::git_dirty) sha += " (working tree modified)";
  return sha;
}

std::string git_short() {
  const std::string full = build_info::git_sha;
  if (full.empty()) return "unknown";
  return full.substr(0, 12) + (build_info::git_dirty ? "-dirty" : "");
}

}  // namespace ccnorm::cli
