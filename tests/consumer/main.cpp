// A program that uses ccnorm the way another project would (README "Use from CMake"); built by
// tests/consumer.cmake against an installed ccnorm (find_package) and through add_subdirectory.
// Checks A and the mean on rows with closed-form values, the batched entry point, and, with the
// components, the certified reference and the GPU entry points. Exit status 0 only if all hold.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "normalizer/normalizer.hpp"
#if defined(CCNORM_CONSUMER_REFERENCE)
#include "reference/reference.hpp"
#endif
#if defined(CCNORM_CONSUMER_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif
#if defined(CCNORM_CONSUMER_LANES)
#include "normalizer/lanes/auto_lanes.hpp"
#if !defined(CCNORM_HAVE_LANES)
#error "ccnorm::lanes linked but CCNORM_HAVE_LANES not defined: evaluate_batch would not use the lanes"
#endif
#endif

#if defined(CCNORM_CONSUMER_EXPECT_NO_AVX2) && defined(__AVX2__)
#error "compiled with AVX2 although this compiler's default target has none: -march=native leaked into the consumer"
#endif

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

// |got - want| within n units of double's u of max(1, |want|) (auto's goal is 16 u for A).
bool close(double got, double want, double n) {
  return std::fabs(got - want) <= n * 0x1p-53 * std::fmax(1.0, std::fabs(want));
}

}  // namespace

int main() {
  const double e1 = std::expm1(1.0);  // e - 1
  struct Case {
    std::vector<double> z;
    double A;
    const char* what;
  };
  // A = log exp[z_1..z_K] (divided difference of exp): K equal nodes a give e^a/(K-1)!.
  const std::vector<Case> cases = {
      {{0, 0, 0}, -std::log(2.0), "z = (0,0,0): A = -log 2"},
      {{1.5}, 1.5, "K = 1: A = z_1"},
      {{0, 1}, std::log(e1), "z = (0,1): A = log(e - 1)"},
      {{0, 1, 2}, 2 * std::log(e1) - std::log(2.0), "z = (0,1,2): A = log((e - 1)^2 / 2)"},
      {{2, 2, 2, 2, 2}, 2 - std::log(24.0), "z = (2,2,2,2,2): A = 2 - log 4!"},
  };
  for (const Case& c : cases) {
    std::vector<double> mu(c.z.size());
    const ccnorm::Out<double> r = ccnorm::evaluate<double>(ccnorm::Algo::auto_, c.z.data(), c.z.size(), mu.data());
    double s = 0;
    for (double m : mu) s += m;
    check(close(r.A, c.A, 16) && close(s, 1, 64),
          std::string(c.what) + " (got " + std::to_string(r.A) + ", sum mu " + std::to_string(s) + ")");
  }
  {  // equal nodes: mu_j = 1/K
    std::vector<double> z(4, -3.0), mu(4);
    ccnorm::evaluate<double>(ccnorm::Algo::auto_, z.data(), z.size(), mu.data());
    bool ok = true;
    for (double m : mu) ok = ok && close(m, 0.25, 64);
    check(ok, "z = (-3,-3,-3,-3): mu = 1/4 each");
  }
  {  // batched entry point, row-major B x K (all cores with OpenMP, one thread without)
    const std::vector<double> Z = {0, 0, 0, 1, 1, 1, 0, 1, 2};
    const std::vector<double> want = {-std::log(2.0), 1 - std::log(2.0), 2 * std::log(e1) - std::log(2.0)};
    std::vector<double> A(3), logC(3);
    ccnorm::evaluate_batch<double>(ccnorm::Algo::auto_, Z.data(), 3, 3, A.data(), logC.data(), nullptr);
    bool ok = true;
    for (int b = 0; b < 3; ++b) ok = ok && close(A[b], want[b], 16);
    check(ok, "evaluate_batch, 3 rows of K = 3");
  }
#if defined(_OPENMP)
  std::printf("OpenMP: yes (_OPENMP %d)\n", _OPENMP);
#else
  std::printf("OpenMP: no\n");
#endif
#if defined(CCNORM_CONSUMER_EXPECT_OPENMP)
#if CCNORM_CONSUMER_EXPECT_OPENMP
#if !defined(_OPENMP)
  check(false, "OpenMP expected (ccnorm::ccnorm should carry OpenMP::OpenMP_CXX)");
#endif
#else
#if defined(_OPENMP)
  check(false, "OpenMP not expected (CCNORM_USE_OPENMP=OFF)");
#endif
#endif
#endif

#if defined(CCNORM_CONSUMER_REFERENCE)
  for (const Case& c : cases) {
    const ccnorm::ref::Certified ref = ccnorm::ref::certified(c.z.data(), c.z.size(), false);
    const double A_ref = ref.A.convert_to<double>();
    const ccnorm::Out<double> r = ccnorm::evaluate<double>(ccnorm::Algo::auto_, c.z.data(), c.z.size(), nullptr);
    check(close(A_ref, c.A, 2) && close(r.A, A_ref, 16) && ref.A_rad < 1e-20,
          std::string("reference: ") + c.what + " (certified " + std::to_string(A_ref) + ")");
  }
#endif

#if defined(CCNORM_CONSUMER_LANES)
  {  // the SIMD batch path: 37 rows (not a multiple of any lane width), bitwise the scalar batch
    const std::size_t B = 37, K = 6;
    std::vector<double> Z(B * K);
    for (std::size_t i = 0; i < Z.size(); ++i) Z[i] = std::sin(0.7 * static_cast<double>(i)) * 3;
    std::vector<double> A1(B), A2(B), L1(B), L2(B), m1(B * K), m2(B * K);
    ccnorm::evaluate_batch<double>(ccnorm::Algo::auto_, Z.data(), B, K, A1.data(), L1.data(), m1.data());
    ccnorm::evaluate_batch_rows<double>(ccnorm::Algo::auto_, Z.data(), B, K, A2.data(), L2.data(), m2.data());
    check(A1 == A2 && L1 == L2 && m1 == m2, "lanes: evaluate_batch(auto) bitwise evaluate_batch_rows, 37 rows of K = 6 (target " +
                                                ccnorm::lanes::target_name() + ", " + std::to_string(ccnorm::lanes::width()) +
                                                " lanes)");
  }
#endif

#if defined(CCNORM_CONSUMER_CUDA)
  if (ccnorm::gpu::available()) {
    const std::vector<double> Z = {0, 0, 0, 1, 1, 1, 0, 1, 2};
    const std::vector<double> want = {-std::log(2.0), 1 - std::log(2.0), 2 * std::log(e1) - std::log(2.0)};
    std::vector<double> A(3);
    ccnorm::gpu::evaluate_batch<double>(Z.data(), 3, 3, A.data(), nullptr, nullptr);
    bool ok = true;
    for (int b = 0; b < 3; ++b) ok = ok && close(A[b], want[b], 16);
    check(ok, "gpu::evaluate_batch on " + ccnorm::gpu::device_name());
  } else {
    const std::string why = ccnorm::gpu::unavailable_reason();
    std::printf("gpu: no device (%s): only the host side is checked\n", why.c_str());
    check(!why.empty(), "gpu::unavailable_reason() says why there is no device");
  }
#endif

  std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
