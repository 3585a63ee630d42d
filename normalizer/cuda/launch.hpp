// ccnorm GPU: host-side launch logic (pure C++, no CUDA needed; unit-tested on the CPU by
// tests/test_gpu_launch.cpp).
//
// Mapping by K (normalizer/cuda/row_mappings.hpp has the mappings, normalizer/series/ the
// arithmetic):
//   thread  K <= 32        one thread per row, the row's arrays in registers/local memory,
//                          insertion sort; 128 threads (rows) per block.
//   warp    33 <= K <= 512 one warp per row, columns in chunks of ceil(K/32) <= 16 per lane, the
//                          column update as a warp shuffle scan of affine maps; 4 rows per block.
//   block   K > 512        one block of G = min(256, 32*ceil(K/256)) threads per row (chunks of
//                          ceil(K/G) columns), the same scan across warps through shared memory.
// Group mappings (warp, block) keep each row's arrays (sorted keys, permutation, y, v, w, sum w)
// in a global scratch slot; a grid of `slots` groups loops over the rows (grid-stride), so the
// scratch is bounded by `scratch_budget` whatever B is. Tail rows (B not a multiple of the rows
// per block) are masked by the `row < rows` test of the grid-stride loop.
// Escalated rows (normalizer/series/escalation.hpp) are rerun by the warp kernel in the next
// compute type.
// Huge B is processed in chunks of rows_per_chunk rows (device buffers <= buffer_budget).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "normalizer/config.hpp"

namespace ccnorm {
namespace gpu {

enum class Mapping { thread, warp, block };

inline const char* mapping_name(Mapping m) {
  switch (m) {
    case Mapping::thread: return "thread";
    case Mapping::warp: return "warp";
    case Mapping::block: return "block";
  }
  return "?";
}

constexpr std::size_t kThreadMaxK = 32;  // also the size of the thread kernel's local arrays

// One thread per row: the size KM of the register-resident work arrays (K <= KM; bitwise the same
// results as the local-memory form, KM = 0). Sized so that ptxas reports no spills at sm_90
// (CCNORM_CUDA build, -Xptxas -v): float up to 16 nodes, double up to 8.
inline int thread_register_nodes(std::size_t K, std::size_t compute_size) {
  if (K <= 4) return 4;
  if (K <= 8) return 8;
  if (K <= 16 && compute_size <= 4) return 16;
  return 0;
}
constexpr std::size_t kWarpMaxK = 512;
constexpr int kThreadBlock = 128;
constexpr int kWarpRowsPerBlock = 4;
constexpr int kMaxGroup = 256;

struct DeviceLimits {
  int sms = 132;                              // multiprocessors
  int max_threads_per_sm = 2048;
  std::size_t scratch_budget = 256u << 20;    // bytes of group scratch per launch
  std::size_t buffer_budget = 1024u << 20;    // bytes of input/output buffers per chunk of rows
};

struct Plan {
  Mapping mapping = Mapping::thread;
  int group = 1;           // threads per row
  int block = kThreadBlock;  // threads per block
  int rows_per_block = kThreadBlock;
  std::size_t grid = 0;    // blocks
  std::size_t slots = 0;   // rows in flight (= grid * rows_per_block); scratch slots for groups
  int chunk = 0;           // columns per thread (group mappings)
  std::size_t kpad = 0;    // K rounded up to a power of two (bitonic sort), group mappings
  std::size_t slot_bytes = 0;  // scratch bytes per slot (group mappings), 256-byte aligned
};

inline Mapping choose_mapping(std::size_t K) {
  if (K <= kThreadMaxK) return Mapping::thread;
  if (K <= kWarpMaxK) return Mapping::warp;
  return Mapping::block;
}

inline int group_threads(Mapping m, std::size_t K) {
  switch (m) {
    case Mapping::thread: return 1;
    case Mapping::warp: return 32;
    case Mapping::block: {
      const std::size_t w = (K + 255) / 256;  // 8 columns per thread -> 32 threads per 256 columns
      return static_cast<int>(std::min<std::size_t>(kMaxGroup, 32 * std::max<std::size_t>(1, w)));
    }
  }
  return 1;
}

inline std::size_t next_pow2(std::size_t x) {
  std::size_t p = 1;
  while (p < x) p <<= 1;
  return p;
}

CCNORM_HD inline std::size_t align256(std::size_t x) { return (x + 255) / 256 * 256; }

// Scratch of one group slot: keys (T) and permutation (uint32) over kpad entries, the six
// series arrays (yh, yl, v, w, sw, ms) of G*chunk entries of the compute type C and the per-node
// exponents (int32, G*chunk entries).
constexpr int kSlotArraysC = 6;
inline std::size_t slot_bytes(std::size_t K, int group, std::size_t sizeof_T, std::size_t sizeof_C) {
  const std::size_t kpad = next_pow2(K);
  const std::size_t ch = (K + group - 1) / group;
  const std::size_t n = static_cast<std::size_t>(group) * ch;
  return align256(kpad * sizeof_T) + align256(kpad * 4) + kSlotArraysC * align256(n * sizeof_C) + align256(n * 4);
}

// rows: rows of this launch (> 0); sizeof_C: the compute type of this launch (float 4, double 8,
// double-double 16). force_group > 0 selects a group mapping of that many threads (the escalation
// kernel uses 32 whatever K is).
inline Plan make_plan(std::size_t rows, std::size_t K, std::size_t sizeof_T, std::size_t sizeof_C,
                      const DeviceLimits& lim, int force_group = 0) {
  if (rows == 0 || K == 0) throw std::invalid_argument("make_plan: rows and K must be positive");
  Plan p;
  p.mapping = force_group == 32 ? Mapping::warp : force_group > 32 ? Mapping::block : choose_mapping(K);
  p.group = force_group > 0 ? force_group : group_threads(p.mapping, K);
  if (p.mapping == Mapping::thread) {
    p.block = kThreadBlock;
    p.rows_per_block = kThreadBlock;
    const std::size_t need = (rows + p.block - 1) / p.block;
    // Enough blocks to fill the device several times over; the grid-stride loop does the rest.
    const std::size_t cap = static_cast<std::size_t>(lim.sms) * (lim.max_threads_per_sm / p.block) * 8;
    p.grid = std::min(need, std::max<std::size_t>(1, cap));
    p.slots = p.grid * p.rows_per_block;
    return p;
  }
  if (p.group % 32 != 0 || p.group > 1024) throw std::invalid_argument("make_plan: group must be a multiple of 32, <= 1024");
  p.rows_per_block = p.mapping == Mapping::warp ? kWarpRowsPerBlock : 1;
  p.block = p.group * p.rows_per_block;
  p.chunk = static_cast<int>((K + p.group - 1) / p.group);
  p.kpad = next_pow2(K);
  p.slot_bytes = slot_bytes(K, p.group, sizeof_T, sizeof_C);
  const std::size_t resident = static_cast<std::size_t>(lim.sms) * (lim.max_threads_per_sm / p.group);
  const std::size_t by_mem = std::max<std::size_t>(1, lim.scratch_budget / p.slot_bytes);
  std::size_t slots = std::min({rows, std::max<std::size_t>(1, resident), by_mem});
  p.grid = (slots + p.rows_per_block - 1) / p.rows_per_block;
  p.slots = p.grid * p.rows_per_block;
  return p;
}

// Device buffer bytes per row of the host API: input row, A, log C, the mean (optional) and the
// two row lists (escalation, host fallback).
inline std::size_t bytes_per_row(std::size_t K, bool want_mu, std::size_t sizeof_T) {
  return sizeof_T * (K + 2 + (want_mu ? K : 0)) + 2 * sizeof(std::uint32_t);
}

inline std::size_t rows_per_chunk(std::size_t K, bool want_mu, std::size_t sizeof_T, std::size_t budget) {
  const std::size_t r = std::max<std::size_t>(1, budget / bytes_per_row(K, want_mu, sizeof_T));
  return std::min<std::size_t>(r, std::size_t(1) << 30);  // row indices are 32-bit inside a chunk
}

struct RowRange {
  std::size_t first = 0, count = 0;
};

inline std::vector<RowRange> split_rows(std::size_t B, std::size_t per_chunk) {
  if (per_chunk == 0) throw std::invalid_argument("split_rows: per_chunk must be positive");
  std::vector<RowRange> out;
  for (std::size_t f = 0; f < B; f += per_chunk) out.push_back({f, std::min(per_chunk, B - f)});
  return out;
}

}  // namespace gpu
}  // namespace ccnorm
