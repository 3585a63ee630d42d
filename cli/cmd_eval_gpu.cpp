// ccnorm eval --algo gpu: the rows of a chunk are parsed as in cmd_eval.cpp, grouped by K, evaluated
// with ccnorm::gpu::evaluate_batch (normalizer/cuda/gpu.hpp) and printed in input order, in
// the format of docs/design.md §4. Without CUDA support or without a device it prints why on
// stderr and returns 2 (before reading any input).
#include <cmath>
#include <cstdio>
#include <istream>
#include <map>
#include <string>
#include <vector>


#include "io/rows.hpp"
#include "io/stream.hpp"
#include "normalizer/params.hpp"
#if defined(CCNORM_HAVE_CUDA)
#include "normalizer/cuda/gpu.hpp"
#endif

namespace ccnorm {
namespace cli {

#if defined(CCNORM_HAVE_CUDA)
namespace {


template <class T>
int run_gpu(bool grad, Param param, std::istream& in) {
  constexpr std::size_t kChunk = 1 << 16;
  bool any_bad = false, eof = false;
  long lineno = 0;
  std::string line;
  while (!eof) {
    std::vector<std::string> outs;
    std::vector<std::vector<T>> rows;  // parsed rows (empty: bad row, its line already in outs)
    std::map<std::size_t, std::vector<std::size_t>> byK;
    while (outs.size() < kChunk) {
      if (!std::getline(in, line)) {
        eof = true;
        break;
      }
      ++lineno;
      std::vector<T> vals, z;
      std::string why;
      const io::LineKind kind = io::parse_row<T>(line, vals, why, param == Param::probs ? "probability" : "logit");
      if (kind == io::LineKind::skip) continue;
      if (kind == io::LineKind::row) why = to_logits<T>(param, vals.data(), vals.size(), z);
      if (kind == io::LineKind::error || !why.empty()) {
        any_bad = true;
        outs.push_back(io::error_line(lineno, why));
        rows.emplace_back();
        continue;
      }
      byK[z.size()].push_back(outs.size());
      outs.emplace_back();
      rows.push_back(std::move(z));
    }
    for (const auto& [K, idx] : byK) {
      const std::size_t B = idx.size();
      std::vector<T> Z(B * K), A(B), L(B), M(grad ? B * K : 0);
      for (std::size_t b = 0; b < B; ++b) std::copy(rows[idx[b]].begin(), rows[idx[b]].end(), Z.begin() + b * K);
      gpu::evaluate_batch<T>(Z.data(), B, K, A.data(), L.data(), grad ? M.data() : nullptr);
      for (std::size_t b = 0; b < B; ++b) {
        io::append_result(outs[idx[b]], A[b], L[b], grad ? M.data() + b * K : nullptr, K);
      }
    }
    std::string block;
    for (const auto& s : outs) {
      block += s;
      block += '\n';
    }
    if (!io::write_stdout(block)) return io::kExitIo;  // output gone: stop (main() says why)
  }
  return any_bad ? 2 : 0;
}

}  // namespace
#endif

int eval_gpu(bool f32, bool grad, Param param, std::istream& in) {
#if defined(CCNORM_HAVE_CUDA)
  if (!gpu::available()) {
    std::fprintf(stderr, "ccnorm eval: --algo gpu: no CUDA device (no device found)\n");
    return 2;
  }
  try {
    return f32 ? run_gpu<float>(grad, param, in) : run_gpu<double>(grad, param, in);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm eval: --algo gpu: %s\n", e.what());
    return 2;
  }
#else
  (void)f32;
  (void)grad;
  (void)param;
  (void)in;
  std::fprintf(stderr, "ccnorm eval: --algo gpu: no CUDA device (built without CUDA)\n");
  return 2;
#endif
}

}  // namespace cli
}  // namespace ccnorm
