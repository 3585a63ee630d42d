// ccnorm: the worker threads of the batched entry points (normalizer/batch.hpp for_each_row).
//
// Why not an OpenMP parallel region per batch. A batch of 1024 rows at K = 10 takes ~0.4 ms on one
// thread; with libgomp's team on a 2-core machine that another process keeps busy, one team thread
// is preempted in the middle of its chunk while the other spins at the region's closing barrier on
// the core the preempted thread needs: the batch took 3.1x longer on 2 threads than on 1 (measured,
// `ccnorm bench` with one busy-loop process beside it; docs/design.md §2.13). libgomp's wait policy
// is read from the environment once, before main, so a library cannot choose it.
//
// What. A process-wide pool of parked std::threads. run(ntasks, nthreads, task) publishes the job,
// wakes nthreads - 1 workers, and every participant (the caller included) claims tasks in chunks
// from one atomic counter until none is left; the caller then closes the job (a worker that has
// not entered it by then, because it is still waking or was preempted, is not waited for) and
// waits only for the workers inside a chunk: a short spin, then a futex wait (C++20
// std::atomic::wait), so that a preempted worker gets the core back at once. Workers park the
// same way between jobs. Results cannot depend on
// the schedule: each task writes only its own outputs.
//
// Rules. A call from inside a task (nested batches), a second concurrent caller while a job runs,
// and nthreads <= 1 run the tasks on the calling thread, in order. task must not throw (for_each_row
// catches per row). Workers are created on first use, up to the largest nthreads asked for, and
// live until the process exits (parked, they cost nothing). In a child made by fork() (PyTorch's
// DataLoader workers) the workers do not exist: nobody enters a job, the caller runs every chunk
// itself and finds nobody inside when it closes the job, so batches there run on one thread.
//
// Measured (`ccnorm bench --threads 2`, batches of value + mean, 2-core machine): 1.95x (K = 10)
// and 1.84-2.00x (K = 100) over one thread idle (auto's lanes in windows of contiguous rows), 1.0x
// with a busy-loop process beside it (libgomp: 0.32x); docs/design.md §6.3.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CCNORM_POOL_PAUSE() _mm_pause()
#else
#define CCNORM_POOL_PAUSE() ((void)0)
#endif

namespace ccnorm {

class RowPool {
 public:
  // Spin iterations before a futex wait (each a pause: ~40 ns on x86, so ~20 us).
  static constexpr int kSpin = 512;

  static RowPool& instance() {
    static RowPool* p = new RowPool;  // never destroyed: parked workers outlive static destructors
    return *p;
  }

  // task(first, last) for chunks of [0, ntasks); chunk >= 1.
  void run(std::size_t ntasks, int nthreads, std::size_t chunk, const std::function<void(std::size_t, std::size_t)>& task) {
    chunk = std::max<std::size_t>(chunk, 1);
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (nthreads <= 1 || ntasks <= chunk || in_task() || !busy.owns_lock()) {
      for (std::size_t b = 0; b < ntasks; b += chunk) task(b, std::min(ntasks, b + chunk));
      return;
    }
    const int helpers = std::min<int>({nthreads - 1, static_cast<int>((ntasks + chunk - 1) / chunk) - 1, 0xFFFF});
    grow(helpers);
    task_ = &task;
    ntasks_ = ntasks;
    chunk_ = chunk;
    next_.store(0, std::memory_order_relaxed);
    const std::uint64_t seq = ((generation_.load(std::memory_order_relaxed) >> 16) + 1) & 0xFFFFFFFFull;
    door_.store(seq << 32, std::memory_order_relaxed);  // open, nobody inside
    // publishes the job: the sequence number with the job's helper count in the same word, so a
    // worker that wakes late decides from the value it saw, never from a later job's fields
    generation_.store(seq << 16 | static_cast<std::uint64_t>(helpers), std::memory_order_release);
    generation_.notify_all();
    work();
    // Close the door: a helper that has not entered yet (still waking, or preempted before it
    // could) finds the job closed and is not waited for; wait only for those inside a chunk.
    std::uint64_t d = door_.fetch_or(kClosed, std::memory_order_acq_rel) | kClosed;
    for (int s = 0; s < kSpin && (d & kInside) != 0; ++s) {
      CCNORM_POOL_PAUSE();
      d = door_.load(std::memory_order_acquire);
    }
    while ((d & kInside) != 0) {
      door_.wait(d, std::memory_order_acquire);
      d = door_.load(std::memory_order_acquire);
    }
    task_ = nullptr;
  }

  // True on a thread that is running a task of this pool (worker or caller).
  static bool& in_task() {
    static thread_local bool t = false;
    return t;
  }

 private:
  static constexpr std::uint64_t kClosed = 1ull << 31, kInside = kClosed - 1;

  RowPool() = default;

  void work() {
    bool& flag = in_task();
    flag = true;
    for (;;) {
      const std::size_t b = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (b >= ntasks_) break;
      (*task_)(b, std::min(ntasks_, b + chunk_));
    }
    flag = false;
  }

  // A helper of job seq enters only while that job's door is open.
  bool enter(std::uint64_t seq) {
    std::uint64_t d = door_.load(std::memory_order_acquire);
    while ((d >> 32) == seq && (d & kClosed) == 0)
      if (door_.compare_exchange_weak(d, d + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
    return false;
  }
  void leave() {
    const std::uint64_t d = door_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if ((d & kInside) == 0 && (d & kClosed) != 0) door_.notify_one();
  }

  // New workers start from the current (not yet bumped) generation: a worker that read it only
  // after the job is published would otherwise wait for the next one.
  void grow(int n) {
    const std::uint64_t g0 = generation_.load(std::memory_order_relaxed);
    while (static_cast<int>(workers_.size()) < n) {
      const int id = static_cast<int>(workers_.size());
      workers_.emplace_back([this, id, g0] { loop(id, g0); });
      workers_.back().detach();
    }
  }

  void loop(int id, std::uint64_t seen) {
    for (;;) {
      std::uint64_t g = generation_.load(std::memory_order_acquire);
      for (int s = 0; s < kSpin && g == seen; ++s) {
        CCNORM_POOL_PAUSE();
        g = generation_.load(std::memory_order_acquire);
      }
      while (g == seen) {
        generation_.wait(seen, std::memory_order_acquire);
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (id >= static_cast<int>(g & 0xFFFF)) continue;  // not asked for this job
      if (!enter(g >> 16)) continue;                     // the job is already closed
      work();
      leave();
    }
  }

  std::mutex busy_;
  std::vector<std::thread> workers_;
  // the job (written by the caller before generation_ is bumped, read by workers after)
  const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
  std::size_t ntasks_ = 0, chunk_ = 1;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> door_{0};        // seq << 32 | closed << 31 | helpers inside
  std::atomic<std::uint64_t> generation_{0};  // seq << 16 | helpers asked for
};

}  // namespace ccnorm
