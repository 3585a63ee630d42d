// ccnorm::io resources: where the ccnorm tool finds the files it needs at run time (the plot
// scripts, the peers script, the golden vectors). No path of the source tree is compiled in, so an
// installed ccnorm works with the source tree absent (README "Install").
//
// A resource is named by its path in the repository ("plots", "bench/peers/peers.py"); the data
// directories keep that layout and are searched in this order:
//   1. $CCNORM_DATA_DIR, when set (then the only place searched; the repository root itself is a
//      valid data directory: CCNORM_DATA_DIR=$PWD uses the scripts as edited, without a build);
//   2. <directory of the executable>/../share/ccnorm   an install (<prefix>/bin/ccnorm)
//   3. <directory of the executable>/share/ccnorm      the build tree (build/ccnorm; CMake stages
//                                                      the data into build/share/ccnorm)
// (2 and 3 are the relative paths CMake computed from GNUInstallDirs and the build layout.)
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccnorm::io {

// The running executable (/proc/self/exe); empty if it cannot be read.
std::filesystem::path executable_path();

// The data directories in search order (see above), whether or not they exist.
std::vector<std::filesystem::path> data_dirs();

// The first data directory that holds `relative` (a file or a directory); nullopt if none does.
std::optional<std::filesystem::path> find_resource(std::string_view relative);

// find_resource, or throws std::runtime_error with not_found_message(relative).
std::filesystem::path resource(std::string_view relative);

// "cannot find 'plots': looked for /a/plots, /b/plots (set CCNORM_DATA_DIR to a directory that
// holds plots)" - what was looked for, and where.
std::string not_found_message(std::string_view relative);

}  // namespace ccnorm::io
