// ccnorm CLI: subcommand registry. Each cli/cmd_*.cpp registers itself with CCNORM_COMMAND, so
// adding a subcommand never touches main.cpp.
#pragma once
#include <string>
#include <vector>

namespace ccnorm::cli {

using CommandFn = int (*)(int argc, char** argv);  // argv[0] is the subcommand name

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

std::vector<Command>& commands();
bool register_command(Command c);

// True if argv holds -h or --help.
bool wants_help(int argc, char** argv);

}  // namespace ccnorm::cli

#define CCNORM_CONCAT_(a, b) a##b
#define CCNORM_CONCAT(a, b) CCNORM_CONCAT_(a, b)
#define CCNORM_COMMAND(name, summary, fn) \
  static const bool CCNORM_CONCAT(ccnorm_registered_, __LINE__) = \
      ::ccnorm::cli::register_command({name, summary, fn})
