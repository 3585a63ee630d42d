// ccnorm: the command-line front door. Subcommands live in cli/cmd_*.cpp.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/command.hpp"
#include "io/stream.hpp"
#include "reference/cr_oracle.hpp"

namespace ccnorm::cli {

std::vector<Command>& commands() {
  static std::vector<Command> c;
  return c;
}
bool register_command(Command c) {
  commands().push_back(c);
  return true;
}
bool wants_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) return true;
  return false;
}

}  // namespace ccnorm::cli

static void usage(std::FILE* f) {
  auto cmds = ccnorm::cli::commands();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return std::string_view(a.name) < b.name; });
  std::fprintf(f,
               "ccnorm: log-normalizer of the continuous categorical distribution, its mean,\n"
               "certified references, accuracy sweeps and benchmarks.\n\n"
               "usage: ccnorm <command> [options]   (ccnorm <command> --help for details)\n\ncommands:\n");
  for (const auto& c : cmds) std::fprintf(f, "  %-12s %s\n", c.name, c.summary);
}

int main(int argc, char** argv) {
  ccnorm::ref::install_cr_oracle();  // auto-cr's last level: the certified reference
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage(stdout);
    const std::string err = ccnorm::io::stdout_error("ccnorm");
    if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
    return err.empty() ? 0 : ccnorm::io::kExitIo;
  }
  for (const auto& c : ccnorm::cli::commands())
    if (cmd == c.name) {
      int rc = c.run(argc - 1, argv + 1);
      // every subcommand: output that did not reach standard output is an I/O error (§4.11)
      const std::string err = ccnorm::io::stdout_error("ccnorm " + std::string(cmd));
      if (!err.empty()) {
        std::fprintf(stderr, "%s\n", err.c_str());
        rc = ccnorm::io::kExitIo;
      }
      return rc;
    }
  std::fprintf(stderr, "ccnorm: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
