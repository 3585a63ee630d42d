// Thread safety of the one-row entry points under ThreadSanitizer (docs/design.md §6.3): several
// std::threads (not OpenMP: libgomp is not instrumented) evaluate every host algorithm at once on
// rows that reach each code path that touches shared state — the series' log((K-1)!) (lgamma),
// auto's out-of-domain fallback, the thread_local scratch space, the registry — with and without
// the mean. std::lgamma writes glibc's global `signgam` from every thread (TSan reports it); the
// kernels use lgamma_r. The batch worker pool (normalizer/row_pool.hpp) is exercised below.
// Built and run by tests/tsan/run.sh (scripts/test.sh), clang-14 -fsanitize=thread.
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "normalizer/normalizer.hpp"

int main() {
  const std::vector<std::size_t> Ks{1, 2, 3, 7, 33, 120};
  std::vector<std::vector<double>> rows;
  std::mt19937_64 g(7);
  std::normal_distribution<double> n01;
  for (std::size_t K : Ks)
    for (double s : {0.0, 1e-3, 1.0, 30.0, 300.0}) {
      std::vector<double> z(K);
      for (auto& v : z) v = s * n01(g);
      rows.push_back(z);
    }
  std::vector<ccnorm::Algo> algos;
  for (const auto& i : ccnorm::algorithms())
    if (i.host()) algos.push_back(i.id);
  const unsigned nt = 4;
  std::vector<double> sums(nt, 0.0);
  std::vector<std::thread> th;
  for (unsigned t = 0; t < nt; ++t)
    th.emplace_back([&, t] {
      double acc = 0;
      for (int rep = 0; rep < 1; ++rep)
        for (std::size_t r = t; r < rows.size() + t; ++r) {
          const auto& z = rows[r % rows.size()];
          const std::size_t K = z.size();
          std::vector<double> mu(K);
          std::vector<float> zf(z.begin(), z.end()), muf(K);
          for (ccnorm::Algo a : algos) {
            double A = 0, L = 0;
            float Af = 0, Lf = 0;
            ccnorm::evaluate_row<double>(a, z.data(), K, A, &L, (r & 1) ? mu.data() : nullptr);
            ccnorm::evaluate_row<float>(a, zf.data(), K, Af, &Lf, (r & 1) ? nullptr : muf.data());
            if (std::isfinite(A)) acc += A;
          }
          acc += ccnorm::log_factorial<double>(K);
        }
      sums[t] = acc;
    });
  for (auto& x : th) x.join();
  std::printf("thread_safety: %u threads x %zu rows x %zu algorithms, ok (checksum %.6g)\n", nt, rows.size(), algos.size(),
              sums[0]);

  // The batch worker pool (normalizer/row_pool.hpp): evaluate_batch on 3 threads, repeatedly (the
  // workers park and wake between calls), two callers at once (one gets the pool, the other runs
  // on its own thread), and a batch started from inside a batch's row (runs inline). Every output
  // must equal evaluate_row's, bit for bit.
  const std::size_t K = 7, B = 300;
  std::vector<double> Z(B * K);
  for (auto& v : Z) v = 3.0 * n01(g);
  // (Aval: value only, for the nested batch, which asks for no mean: auto may take another path
  // with the mean, e.g. the compensated recurrence of docs/design.md §2.6 step 3, so A need not
  // be bitwise the same with and without it)
  std::vector<double> Aref(B), muref(B * K), Aval(B);
  for (std::size_t b = 0; b < B; ++b) {
    ccnorm::evaluate_row<double>(ccnorm::Algo::auto_, Z.data() + b * K, K, Aref[b], nullptr, muref.data() + b * K);
    ccnorm::evaluate_row<double>(ccnorm::Algo::auto_, Z.data() + b * K, K, Aval[b], nullptr, nullptr);
  }
  int bad = 0;
  auto check = [&](int threads, int reps) {
    int wrong = 0;
    std::vector<double> A(B), mu(B * K);
    for (int rep = 0; rep < reps; ++rep) {
      ccnorm::evaluate_batch<double>(ccnorm::Algo::auto_, Z.data(), B, K, A.data(), nullptr, mu.data(), threads);
      for (std::size_t b = 0; b < B; ++b) wrong += A[b] != Aref[b] || mu[b * K] != muref[b * K];
    }
    return wrong;
  };
  bad += check(3, 40);
  std::vector<int> wrong2(2, 0);
  {
    std::thread c1([&] { wrong2[0] = check(2, 20); });
    std::thread c2([&] { wrong2[1] = check(2, 20); });
    c1.join();
    c2.join();
  }
  bad += wrong2[0] + wrong2[1];
  std::vector<double> inner(B);
  ccnorm::for_each_row(
      4, 2, nullptr,
      [&](std::size_t i) {
        std::vector<double> A(B);
        ccnorm::evaluate_batch<double>(ccnorm::Algo::auto_, Z.data(), B, K, A.data(), nullptr, nullptr, 2);
        inner[i] = A[i];
        return ccnorm::RowStatus::ok;
      },
      [](std::size_t) {});
  for (std::size_t i = 0; i < 4; ++i) bad += inner[i] != Aval[i];
  if (bad) {
    std::printf("thread_safety: %d batch outputs differ from evaluate_row\n", bad);
    return 1;
  }
  std::printf("thread_safety: worker pool: 80 batches of %zu rows on 2-3 threads, two callers at once, a nested batch: ok\n", B);
  return 0;
}
