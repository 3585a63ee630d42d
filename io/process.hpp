// ccnorm io: run a program as a subprocess (no shell) and wait for it: `ccnorm report` runs
// `ccnorm bench` and the plot scripts this way, the tests run the ccnorm executable.
//
//   run_process(argv, log)   argv[0] is the program's path; stdout and stderr are appended to
//                            `log` when it is not empty (inherited otherwise). Returns the exit
//                            status, 128 + N when killed by signal N, 127 when argv[0] could not
//                            be executed, -1 when no process could be started.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

namespace ccnorm::io {

inline int run_process(const std::vector<std::string>& args, const std::string& log = {}) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!log.empty()) {
      if (std::FILE* f = std::fopen(log.c_str(), "a")) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
    }
    std::vector<char*> av;
    for (const auto& a : args) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    execv(av[0], av.data());
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

}  // namespace ccnorm::io
