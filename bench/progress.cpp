// ccnorm bench: progress bar (see progress.hpp).
#include "bench/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ccnorm::bench {

namespace {
std::string hms(double s) {
  char b[32];
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600) std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
  return b;
}
}  // namespace

Progress::Progress(double total, bool enabled, const char* what)
    : total_(total), enabled_(enabled && ::isatty(2)), what_(what), t0_(clock::now()), last_(t0_) {}

void Progress::add(double work, std::size_t units) {
  std::lock_guard<std::mutex> l(m_);
  done_ += work;
  units_ += units;
  const auto now = clock::now();
  if (!enabled_ || std::chrono::duration<double>(now - last_).count() < 0.2) return;
  last_ = now;
  draw(now);
}

void Progress::finish() {
  if (!enabled_) return;
  draw(clock::now());
  std::fputc('\n', stderr);
}

void Progress::draw(clock::time_point now) {
  const double f = total_ > 0 ? std::min(1.0, done_ / total_) : 1.0;
  const double el = std::chrono::duration<double>(now - t0_).count();
  const double eta = f > 0 ? el * (1 - f) / f : 0;
  constexpr int W = 30;
  const int n = static_cast<int>(f * W);
  std::string bar(n, '#');
  bar.resize(W, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%% %zu done, %s elapsed, ETA %s   ", what_, bar.c_str(), 100 * f, units_,
               hms(el).c_str(), f > 0.005 ? hms(eta).c_str() : "?");
  std::fflush(stderr);
}

}  // namespace ccnorm::bench
