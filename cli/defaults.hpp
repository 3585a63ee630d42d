// ccnorm CLI: the default resource locations and build facts that the CLI passes to the libraries
// (the libraries never look them up): the plot scripts and the peers script in ccnorm's data
// directory (io/resources.hpp: $CCNORM_DATA_DIR, an install's share/ccnorm, or the build tree's
// staged copy; no source-tree path is compiled in), the Python interpreter, this executable, and
// the git revision the binary was built from (<ccnorm/build_info.hpp>, captured at build time).
#pragma once
#include <string>

namespace ccnorm::cli {

// The data directory's plots/ (empty when none is found: the report then says where it looked).
std::string default_plots_dir();
// Why default_plots_dir() is empty: what was looked for, and where.
std::string plots_not_found();
// The data directory's bench/peers/peers.py (when not found: where it was first looked for).
std::string default_peers_script();
std::string default_python();        // /usr/bin/python3
std::string self_exe();              // this executable (/proc/self/exe)
// The revision this binary was built from, " (working tree modified)" appended when tracked files
// differed at build time; "" when the build was not made from a git checkout.
std::string source_git_sha();
// The same, short (12 hex digits) with "-dirty": the golden files' provenance; "unknown" if none.
std::string git_short();

}  // namespace ccnorm::cli
