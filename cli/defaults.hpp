// ccnorm CLI: the default resource locations and build facts that the CLI passes to the libraries
// (the libraries never look them up): the source tree (from this file's path at build time), the
// plot scripts, the peers script, the Python interpreter, the git revision of the sources.
// (To be replaced by the run-time lookup of installed data next to the executable and the
// generated build-info header.)
#pragma once
#include <string>

namespace ccnorm::cli {

std::string source_dir();            // the repository root this ccnorm was built from
std::string default_plots_dir();     // <source>/plots
std::string default_peers_script();  // ./bench/peers/peers.py if it exists, else <source>/bench/peers/peers.py
std::string default_python();        // /usr/bin/python3
std::string self_exe();              // this executable (/proc/self/exe)
// `git rev-parse HEAD` of the source tree, " (working tree modified)" appended when tracked files
// differ; "" when git or the repository is not available.
std::string source_git_sha();
// `git rev-parse --short=12 HEAD` in the current directory, "-dirty" appended when anything
// differs; "unknown" when not available (the golden files' provenance).
std::string cwd_git_short();

}  // namespace ccnorm::cli
