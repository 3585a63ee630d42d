// libFuzzer target: the kernels. Input: byte 0 -> K = 1 + b0 % 64; byte 1 -> dtype (bit 0: f32),
// grad (bit 1); then the bit patterns of K doubles or floats (missing bytes are 0). Every host
// algorithm runs on the raw row through evaluate_row (non-finite entries: invalid_input, nothing
// run) and on the row made finite (an exponent of all ones cleared to 0x7fe/0xfe): no crash, no
// UB (ASan + UBSan). On the finite row `auto` must satisfy every invariant of
// kernel_invariants.hpp (tolerances stated there and in docs/design.md §4.11); a violation
// aborts with the row in hex.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "normalizer/cost.hpp"
#include "normalizer/normalizer.hpp"
#include "tests/fuzz/kernel_invariants.hpp"

namespace {

// Rows whose estimated work (normalizer/cost.hpp) exceeds this skip that algorithm: spreads up
// to ~10^3 at K = 64 (the series needs ~spread degrees); larger spreads are covered where they are
// cheap (auto's fallback beyond 2^22, the Newton tables) and by the soak test (tests/test_soak.cpp).
constexpr double kMaxWork = 2e5;

template <class T, class U>
void run(const std::uint8_t* data, std::size_t size, std::size_t K, bool grad) {
  std::vector<T> raw(K), fin(K);
  for (std::size_t j = 0; j < K; ++j) {
    U bits = 0;
    const std::size_t off = j * sizeof(U);
    if (off < size) std::memcpy(&bits, data + off, std::min(sizeof(U), size - off));
    std::memcpy(&raw[j], &bits, sizeof(U));
    constexpr int mant = std::is_same_v<T, double> ? 52 : 23;
    constexpr U expmask = std::is_same_v<T, double> ? U(0x7ff) : U(0xff);
    if (((bits >> mant) & expmask) == expmask) bits &= ~(U(1) << mant);  // inf/NaN -> a large finite value
    std::memcpy(&fin[j], &bits, sizeof(U));
  }
  std::vector<T> mu(K);
  for (const auto& i : ccnorm::algorithms()) {
    if (!i.host()) continue;
    for (const auto* z : {&raw, &fin}) {
      // the row cost cap of the front ends (normalizer/cost.hpp), small here: executions stay fast
      if (ccnorm::row_cost<T>(i.id, z->data(), K, grad).work > kMaxWork) continue;
      T A, L;
      (void)ccnorm::evaluate_row<T>(i.id, z->data(), K, A, &L, grad ? mu.data() : nullptr);
    }
  }
  if (ccnorm::row_cost<T>(ccnorm::Algo::auto_, fin.data(), K, true).work > kMaxWork) return;
  const std::string w = ccnorm::fuzz::check_auto(fin);
  if (!w.empty()) {
    std::fprintf(stderr, "auto invariant failed: %s\nK = %zu, z =", w.c_str(), K);
    for (T v : fin) std::fprintf(stderr, " %a", static_cast<double>(v));
    std::fprintf(stderr, "\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t K = 1 + data[0] % 64;
  const bool f32 = data[1] & 1, grad = data[1] & 2;
  if (f32) run<float, std::uint32_t>(data + 2, size - 2, K, grad);
  else run<double, std::uint64_t>(data + 2, size - 2, K, grad);
  return 0;
}
