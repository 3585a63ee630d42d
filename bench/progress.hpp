// ccnorm bench: a progress bar with ETA on stderr for the long runs (`ccnorm sweep`, `regions`),
// drawn only when stderr is a terminal; thread-safe.
#pragma once
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace ccnorm::bench {

class Progress {
 public:
  // total: the work of the whole run in any unit (add() reports parts of it); what: the label.
  Progress(double total, bool enabled, const char* what);
  void add(double work, std::size_t units);
  void finish();

 private:
  using clock = std::chrono::steady_clock;
  void draw(clock::time_point now);
  double total_, done_ = 0;
  std::size_t units_ = 0;
  bool enabled_;
  const char* what_;
  clock::time_point t0_, last_;
  std::mutex m_;
};

}  // namespace ccnorm::bench
