// ccnorm GPU kernels: the all-positive Taylor series (the series core normalizer/series/, mapped onto
// threads by normalizer/cuda/row_mappings.hpp) for a row-major B x K array, float32 and float64,
// value and value+mean.
//
//   thread_kernel<T, C, KM>  K <= 32: one thread per row (row_seq: insertion sort, exact shift,
//                         degree-by-degree series, assembly). KM = 4, 8, 16 (float) / 4, 8 (double):
//                         the series' work arrays in registers (fully unrolled node loops; ptxas
//                         at sm_90: stack frame 48-160 bytes instead of 1056 / 1952, no spills up to
//                         KM 8); KM = 0 (the other K <= 32): the arrays in local memory.
//   group_kernel<T, C, W> one warp (W = true) or one block per row: bitonic sort in the row's
//                         global scratch slot, the column update at each degree as a scan of
//                         positive affine maps (warp shuffles, then warp totals through shared
//                         memory), the mean K-parallel; scratch slots are reused grid-stride.
//                         Per-node exponents (series/step.hpp): a_j carries 2^(ex_{j-1} - ex_j); a
//                         degree whose column leaves [2^-R, 2^R] anywhere is followed by a vote and
//                         two rescale phases (own columns; barrier; neighbour links and the mean).
// Pipeline per call (launch.hpp chooses the geometry): first compute type C1 (float for f32,
// double for f64) with the mapping of K; rows whose error estimate could exceed the goal are put
// on an escalation list (atomic counter) and rerun by group_kernel<T, C2, true> (C2 = double for
// f32, double-double for f64), which reads the list length on the device (no host round trip);
// rows with spread > 2^22 (series::kAccuracyDomainMaxSpread) go to a host list, evaluated by `auto`
// on the CPU in finish_device.
// Compiled at C++17 with --fmad=false: every fused multiply-add is explicit (fmac), so the device
// performs the same roundings as the host replay (normalizer/cuda/emulate.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include "normalizer/cuda/check.hpp"
#include "normalizer/cuda/gpu.hpp"
#include "normalizer/cuda/launch.hpp"
#include "normalizer/cuda/row_mappings.hpp"
#include "normalizer/series/arithmetic.hpp"
#include "normalizer/series/assembly.hpp"
#include "normalizer/series/escalation.hpp"
#include "normalizer/series/limits.hpp"
#include "normalizer/series/step.hpp"

namespace ccnorm {
namespace gpu {
namespace {

using namespace series;

constexpr std::uint32_t kRecipN = 1u << 15;

template <class T, class C>
struct KArgs {
  const T* Z;
  int K;
  std::uint32_t rows;           // rows (no list) or capacity of the list
  const std::uint32_t* list;    // nullable: row indices to process
  const std::uint32_t* list_n;  // with list: its length on the device
  T* A;
  T* logC;
  T* mu;
  std::uint32_t* esc;
  std::uint32_t* esc_n;
  std::uint32_t* host;
  std::uint32_t* host_n;
  RowConsts k;
  Recip<C> rc;
  unsigned char* scratch;
  std::size_t slot_bytes;
  int G;
  int kpad;
};

template <class T, class C>
__device__ __forceinline__ void push(const KArgs<T, C>& a, Status s, std::uint32_t row) {
  if (s == kEscalate) a.esc[atomicAdd(a.esc_n, 1u)] = row;
  else if (s == kHost) a.host[atomicAdd(a.host_n, 1u)] = row;
}

// ---------------- one thread per row ----------------
// KM > 0 (K <= KM): the series' work arrays in registers (row_seq's CCNORM_FOR_NODES form, bitwise
// the same results); KM = 0: all arrays in local memory. launch.hpp thread_register_nodes picks KM.
template <class T, class C, int KM>
__global__ void __launch_bounds__(kThreadBlock) thread_kernel(KArgs<T, C> a) {
  constexpr int L = KM > 0 ? KM : static_cast<int>(kThreadMaxK);
  T key[L];
  std::uint8_t perm[L];
  C yh[L], yl[L], v[L], ms[L], w[L], sw[L];
  int ex[L];
  const std::size_t K = static_cast<std::size_t>(a.K);
  for (std::size_t row = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; row < a.rows;
       row += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    T A, lc;
    T* mu = a.mu ? a.mu + row * K : nullptr;
    const Status s = row_seq<T, C, std::uint8_t, KM>(a.Z + row * K, a.K, a.k, a.rc, key, perm, yh, yl, v, ex, ms, w, sw, A,
                                                    lc, mu);
    if (s == kDone) {
      a.A[row] = A;
      if (a.logC) a.logC[row] = lc;
    } else {
      push(a, s, static_cast<std::uint32_t>(row));
    }
  }
}

// ---------------- a group (warp or block) per row ----------------
__device__ __forceinline__ float shfl_up(float x, int d) { return __shfl_up_sync(0xffffffffu, x, d); }
__device__ __forceinline__ double shfl_up(double x, int d) { return __shfl_up_sync(0xffffffffu, x, d); }
__device__ __forceinline__ dd shfl_up(dd x, int d) {
  return dd(__shfl_up_sync(0xffffffffu, x.hi, d), __shfl_up_sync(0xffffffffu, x.lo, d));
}
__device__ __forceinline__ float shfl_idx(float x, int l) { return __shfl_sync(0xffffffffu, x, l); }
__device__ __forceinline__ double shfl_idx(double x, int l) { return __shfl_sync(0xffffffffu, x, l); }
__device__ __forceinline__ dd shfl_idx(dd x, int l) {
  return dd(__shfl_sync(0xffffffffu, x.hi, l), __shfl_sync(0xffffffffu, x.lo, l));
}

template <bool W>
__device__ __forceinline__ void gsync() {
  if (W) __syncwarp();
  else __syncthreads();
}
template <bool W>
__device__ __forceinline__ bool g_any(bool b) {
  if (W) return __any_sync(0xffffffffu, b);
  return __syncthreads_or(b) != 0;
}
template <bool W>
__device__ __forceinline__ bool g_all(bool b) {
  if (W) return __all_sync(0xffffffffu, b);
  return __syncthreads_and(b) != 0;
}

// Shared memory of the block mapping (raw bytes: dd has a non-trivial default constructor).
template <class C>
struct Shared {
  Affine<C> tot[32];
  C b[kMaxGroup];
  double red[32];
};

template <bool W>
__device__ double g_sum(double x, unsigned char* shraw) {
  for (int off = 16; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  if (W) return x;
  double* red = reinterpret_cast<double*>(shraw);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) red[warp] = x;
  __syncthreads();
  double s = 0;
  for (int i = 0; i < nw; ++i) s += red[i];
  return s;
}

// Inclusive scan of the threads' chunk maps in the group; returns the exclusive b (incoming v)
// in vin and v_{K-1}(n) in vK. Order of combination = scan_kogge_stone_emulate.
template <class C, bool W>
__device__ __forceinline__ void g_scan(Affine<C> x, int t, int G, Shared<C>* sh, C& vin, C& vK) {
  const int lane = t & 31;
  for (int off = 1; off < 32; off <<= 1) {
    Affine<C> y{shfl_up(x.a, off), shfl_up(x.b, off)};
    if (lane >= off) x = combine(y, x);
  }
  if (W) {
    const C prev = shfl_up(x.b, 1);
    vin = lane > 0 ? prev : C(0.0);
    vK = shfl_idx(x.b, 31);
    return;
  }
  const int warp = t >> 5, nw = G >> 5;
  if (lane == 31) sh->tot[warp] = x;
  __syncthreads();
  if (warp == 0) {
    Affine<C> y = lane < nw ? sh->tot[lane] : Affine<C>{C(1.0), C(0.0)};
    for (int off = 1; off < 32; off <<= 1) {
      Affine<C> p{shfl_up(y.a, off), shfl_up(y.b, off)};
      if (lane >= off) y = combine(p, y);
    }
    if (lane < nw) sh->tot[lane] = y;
  }
  __syncthreads();
  if (warp > 0) x = combine(sh->tot[warp - 1], x);
  sh->b[t] = x.b;
  __syncthreads();
  vin = t > 0 ? sh->b[t - 1] : C(0.0);
  vK = sh->b[G - 1];
}

template <class T, class C, bool W>
__global__ void __launch_bounds__(kMaxGroup) group_kernel(KArgs<T, C> a) {
  __shared__ __align__(16) unsigned char shraw[W ? 16 : sizeof(Shared<C>)];
  Shared<C>* sh = reinterpret_cast<Shared<C>*>(shraw);
  const int G = a.G;
  const int t = threadIdx.x % G;
  const int rpb = blockDim.x / G;
  const int gi = threadIdx.x / G;
  const int K = a.K;
  const int kpad = a.kpad;
  const int ch = chunk_len(K, G);
  const std::size_t slot = static_cast<std::size_t>(blockIdx.x) * rpb + gi;
  unsigned char* base = a.scratch + slot * a.slot_bytes;
  T* key = reinterpret_cast<T*>(base);
  base += align256(static_cast<std::size_t>(kpad) * sizeof(T));
  std::uint32_t* perm = reinterpret_cast<std::uint32_t*>(base);
  base += align256(static_cast<std::size_t>(kpad) * 4);
  const std::size_t arr = align256(static_cast<std::size_t>(G) * ch * sizeof(C));
  GroupRow<C> g{reinterpret_cast<C*>(base),           reinterpret_cast<C*>(base + arr),
                reinterpret_cast<C*>(base + 2 * arr), reinterpret_cast<C*>(base + 3 * arr),
                reinterpret_cast<C*>(base + 4 * arr), reinterpret_cast<C*>(base + 5 * arr),
                reinterpret_cast<int*>(base + kSlotArraysC * arr), K, G, ch};
  const bool want_mu = a.mu != nullptr;
  const double tol = series_tol(Precision<C>::u(), want_mu);
  const std::uint32_t total = a.list ? *a.list_n : a.rows;
  for (std::uint32_t it = blockIdx.x * rpb + gi; it < total; it += gridDim.x * rpb) {
    const std::uint32_t row = a.list ? a.list[it] : it;
    const T* z = a.Z + static_cast<std::size_t>(row) * K;
    T* mu = want_mu ? a.mu + static_cast<std::size_t>(row) * K : nullptr;
    bool bad = false;
    for (int j = t; j < kpad; j += G) {
      T x = T(INFINITY);
      if (j < K) {
        x = z[j];
        bad = bad || !(x - x == T(0));
      }
      key[j] = x;
      perm[j] = static_cast<std::uint32_t>(j);
    }
    gsync<W>();  // the sort reads the other threads' entries
    if (g_any<W>(bad)) {
      if (t == 0) {
        a.A[row] = T(NAN);
        if (a.logC) a.logC[row] = T(NAN);
      }
      if (mu)
        for (int j = t; j < K; j += G) mu[j] = T(NAN);
      continue;
    }
    if (K == 1) {
      if (t == 0) {
        a.A[row] = key[0];
        if (a.logC) a.logC[row] = T(0);
        if (mu) mu[0] = T(1);
      }
      continue;
    }
    // Bitonic sort of (key, perm) over kpad entries (padding +inf sorts last).
    for (int kk = 2; kk <= kpad; kk <<= 1)
      for (int jj = kk >> 1; jj > 0; jj >>= 1) {
        for (int i = t; i < kpad; i += G) {
          const int ixj = i ^ jj;
          if (ixj > i) {
            const bool asc = (i & kk) == 0;
            const T x = key[i], y = key[ixj];
            if ((x > y) == asc) {
              key[i] = y;
              key[ixj] = x;
              const std::uint32_t p = perm[i];
              perm[i] = perm[ixj];
              perm[ixj] = p;
            }
          }
        }
        gsync<W>();
      }
    const T m = key[0];
    for (int i = 0; i < g.len(t); ++i) exact_shift<C, T>(key[g.col(t, i)], m, g.yh[g.at(t, i)], g.yl[g.at(t, i)]);
    C rh, rl;
    exact_shift<C, T>(key[K - 1], m, rh, rl);
    const double r = to_double(rh);
    if (!(r <= kAccuracyDomainMaxSpread) || escalate_before<T, C>(r, want_mu)) {
      if (t == 0) push(a, !(r <= kAccuracyDomainMaxSpread) ? kHost : kEscalate, row);
      gsync<W>();  // key/perm are rewritten by the next row
      continue;
    }
    g.init(t, want_mu);
    GroupScalars<C> gs{C(1.0), 0, 1};
    for (;; ++gs.n) {
      const Affine<C> agg = g.pass1(t, gs.n, a.rc);
      C vin, vK;
      g_scan<C, W>(agg, t, G, sh, vin, vK);
      const bool resc = g.pass2(t, gs.n, vin, vK, want_mu, a.rc);
      group_add(gs, vK);
      if (g_any<W>(resc)) {  // per-node scaling: own columns, barrier, then the links to the neighbours
        g.rescale_nodes(t);
        gsync<W>();
        const int dE = group_rescaled(gs, vK, g.exK());
        g.rescale_links(t, dE, want_mu);
        gsync<W>();  // ex is read across chunks: no thread rescales again before all have read it
      }
      if (group_failed(gs, r)) {
        if (t == 0) push(a, kHost, row);
        break;
      }
      double tf = 0;
      if (!group_value_converged(gs, vK, r, tol, tf)) continue;
      if (!want_mu) break;
      if (g_all<W>(g.mean_converged(t, tf, tol))) break;
    }
    if (group_failed(gs, r)) {  // pushed to the host list above
      gsync<W>();
      continue;
    }
    Assembled as = assemble_gpu<T, C>(static_cast<double>(m), gs.S, gs.E, a.k);
    if (gpu_escalate_after<T, C>(K, gs.n, as.A)) {
      if (t == 0) push(a, kEscalate, row);
      gsync<W>();
      continue;
    }
    double s = 0;
    const int sK0 = g.slot_of(K - 1);
    for (int i = 0; i < g.len(t); ++i)
      if (g.col(t, i) != K - 1) s += lse_term(g.yh[g.at(t, i)], g.yl[g.at(t, i)], g.yh[sK0], g.yl[sK0]);
    s = g_sum<W>(s, shraw + (W ? 0 : offsetof(Shared<C>, red)));
    if (t == 0) {
      a.A[row] = static_cast<T>(as.A);
      const int sK = g.slot_of(K - 1);
      if (a.logC) a.logC[row] = static_cast<T>(log_c(g.yh[sK], g.yl[sK], s, as, to_dd(gs.S), gs.E, a.k));
    }
    if (mu) {
      const C denom = mean_denominator(gs.S, K);
      for (int i = 0; i < g.len(t); ++i) mu[perm[g.col(t, i)]] = mean_component<T>(g.sw[g.at(t, i)], denom);
    }
    gsync<W>();
  }
}

template <class C>
__global__ void recip_kernel(C* hi, C* lo, std::uint32_t n) {
  for (std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    if (i == 0) {
      hi[0] = lo[0] = C(0);
    } else {
      recip_pair<C>(i, hi[i], lo[i]);
    }
  }
}

// ---------------- workspace ----------------
struct Buffer {
  void* p = nullptr;
  std::size_t n = 0;
  void ensure(std::size_t bytes) {
    if (bytes <= n) return;
    if (p) CCNORM_CUDA_CHECK(cudaFree(p));
    p = nullptr;
    n = 0;
    CCNORM_CUDA_CHECK(cudaMalloc(&p, bytes));
    n = bytes;
  }
};

struct Workspace {
  std::mutex mu;
  int device = -1;
  // enqueue_device ... finish_device use the workspace's counters, lists and scratch: one call in
  // flight at a time (a second enqueue before the finish would overwrite them).
  bool pending = false;
  DeviceLimits lim;
  Buffer scratch, lists, counters;
  Buffer rf_hi, rf_lo, rd_hi, rd_lo;  // reciprocal tables (float, double)
  std::uint32_t* host_counters = nullptr;  // pinned: esc_n, host_n
  void init() {
    int dev = 0;
    CCNORM_CUDA_CHECK(cudaGetDevice(&dev));
    if (dev == device) return;
    device = dev;
    cudaDeviceProp prop;
    CCNORM_CUDA_CHECK(cudaGetDeviceProperties(&prop, dev));
    lim.sms = prop.multiProcessorCount;
    lim.max_threads_per_sm = prop.maxThreadsPerMultiProcessor;
    for (Buffer* b : {&scratch, &lists, &counters, &rf_hi, &rf_lo, &rd_hi, &rd_lo}) {
      if (b->p) (void)cudaFree(b->p);  // allocated on the previous device (freed from here: unified addressing)
      *b = Buffer{};
    }
    rf_hi.ensure(kRecipN * sizeof(float));
    rf_lo.ensure(kRecipN * sizeof(float));
    rd_hi.ensure(kRecipN * sizeof(double));
    rd_lo.ensure(kRecipN * sizeof(double));
    recip_kernel<float><<<64, 256>>>(static_cast<float*>(rf_hi.p), static_cast<float*>(rf_lo.p), kRecipN);
    CCNORM_CUDA_CHECK(cudaGetLastError());
    recip_kernel<double><<<64, 256>>>(static_cast<double*>(rd_hi.p), static_cast<double*>(rd_lo.p), kRecipN);
    CCNORM_CUDA_CHECK(cudaGetLastError());
    counters.ensure(2 * sizeof(std::uint32_t));
    if (!host_counters) CCNORM_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host_counters), 2 * sizeof(std::uint32_t)));
    CCNORM_CUDA_CHECK(cudaDeviceSynchronize());
  }
  template <class C>
  Recip<C> recip() const {
    Recip<C> r;
    if constexpr (std::is_same<C, float>::value) {
      r.hi = static_cast<const float*>(rf_hi.p);
      r.lo = static_cast<const float*>(rf_lo.p);
      r.n = kRecipN;
    } else if constexpr (std::is_same<C, double>::value) {
      r.hi = static_cast<const double*>(rd_hi.p);
      r.lo = static_cast<const double*>(rd_lo.p);
      r.n = kRecipN;
    }
    return r;
  }
};

Workspace& workspace() {
  static Workspace* ws = new Workspace();  // never destroyed: CUDA may be torn down first at exit
  return *ws;
}

template <class T, class C>
KArgs<T, C> base_args(Workspace& ws, const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu) {
  KArgs<T, C> a{};
  a.Z = dZ;
  a.K = static_cast<int>(K);
  a.rows = static_cast<std::uint32_t>(B);
  a.A = dA;
  a.logC = dlogC;
  a.mu = dmu;
  std::uint32_t* lists = static_cast<std::uint32_t*>(ws.lists.p);
  std::uint32_t* counters = static_cast<std::uint32_t*>(ws.counters.p);
  a.esc = lists;
  a.host = lists + B;
  a.esc_n = counters;
  a.host_n = counters + 1;
  a.k = row_consts(K);
  a.rc = ws.recip<C>();
  a.scratch = static_cast<unsigned char*>(ws.scratch.p);
  return a;
}

template <class T, class C>
void launch_group(const Plan& p, KArgs<T, C> a, cudaStream_t st) {
  a.G = p.group;
  a.kpad = static_cast<int>(p.kpad);
  a.slot_bytes = p.slot_bytes;
  if (p.mapping == Mapping::warp) group_kernel<T, C, true><<<static_cast<unsigned>(p.grid), p.block, 0, st>>>(a);
  else group_kernel<T, C, false><<<static_cast<unsigned>(p.grid), p.block, 0, st>>>(a);
  CCNORM_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void enqueue_impl(Workspace& ws, const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, cudaStream_t st) {
  using C1 = typename Chain<T>::first;
  using C2 = typename Chain<T>::second;
  const Plan p1 = make_plan(B, K, sizeof(T), sizeof(C1), ws.lim);
  const Plan p2 = make_plan(B, K, sizeof(T), sizeof(C2), ws.lim, 32);
  std::size_t need = p2.slots * p2.slot_bytes;
  if (p1.mapping != Mapping::thread) need = std::max(need, p1.slots * p1.slot_bytes);
  ws.scratch.ensure(need);
  ws.lists.ensure(2 * B * sizeof(std::uint32_t));
  CCNORM_CUDA_CHECK(cudaMemsetAsync(ws.counters.p, 0, 2 * sizeof(std::uint32_t), st));
  KArgs<T, C1> a1 = base_args<T, C1>(ws, dZ, B, K, dA, dlogC, dmu);
  if (p1.mapping == Mapping::thread) {
    const dim3 g(static_cast<unsigned>(p1.grid));
    switch (thread_register_nodes(K, sizeof(C1))) {
      case 4: thread_kernel<T, C1, 4><<<g, p1.block, 0, st>>>(a1); break;
      case 8: thread_kernel<T, C1, 8><<<g, p1.block, 0, st>>>(a1); break;
      case 16: thread_kernel<T, C1, 16><<<g, p1.block, 0, st>>>(a1); break;
      default: thread_kernel<T, C1, 0><<<g, p1.block, 0, st>>>(a1); break;
    }
    CCNORM_CUDA_CHECK(cudaGetLastError());
  } else {
    launch_group<T, C1>(p1, a1, st);
  }
  // Escalated rows: the warp kernel in C2 over the device-side list (its length read on the device;
  // the grid is the plan's resident size, so an empty list costs one short launch).
  KArgs<T, C2> a2 = base_args<T, C2>(ws, dZ, B, K, dA, dlogC, dmu);
  a2.list = a2.esc;
  a2.list_n = a2.esc_n;
  a2.esc = nullptr;  // C2 is the top of the chain: nothing escalates further
  a2.esc_n = nullptr;
  launch_group<T, C2>(p2, a2, st);
}

template <class T>
Stats finish_impl(Workspace& ws, const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, cudaStream_t st) {
  CCNORM_CUDA_CHECK(cudaMemcpyAsync(ws.host_counters, ws.counters.p, 2 * sizeof(std::uint32_t), cudaMemcpyDeviceToHost, st));
  CCNORM_CUDA_CHECK(cudaStreamSynchronize(st));
  Stats s;
  s.escalated = ws.host_counters[0];
  s.host = ws.host_counters[1];
  if (s.host == 0) return s;
  std::vector<std::uint32_t> rows(s.host);
  CCNORM_CUDA_CHECK(cudaMemcpy(rows.data(), static_cast<std::uint32_t*>(ws.lists.p) + B, s.host * sizeof(std::uint32_t),
                               cudaMemcpyDeviceToHost));
  std::vector<T> z(K), mu(dmu ? K : 0);
  // Copies on the caller's stream, synchronised before return (a plain cudaMemcpy runs on the
  // legacy default stream, unordered with a non-blocking stream, and a pageable host-to-device
  // copy may return before it has landed).
  for (std::uint32_t row : rows) {
    CCNORM_CUDA_CHECK(cudaMemcpyAsync(z.data(), dZ + static_cast<std::size_t>(row) * K, K * sizeof(T), cudaMemcpyDeviceToHost, st));
    CCNORM_CUDA_CHECK(cudaStreamSynchronize(st));
    T A, lc;
    detail::host_row<T>(z.data(), K, &A, &lc, dmu ? mu.data() : nullptr);
    CCNORM_CUDA_CHECK(cudaMemcpyAsync(dA + row, &A, sizeof(T), cudaMemcpyHostToDevice, st));
    if (dlogC) CCNORM_CUDA_CHECK(cudaMemcpyAsync(dlogC + row, &lc, sizeof(T), cudaMemcpyHostToDevice, st));
    if (dmu)
      CCNORM_CUDA_CHECK(cudaMemcpyAsync(dmu + static_cast<std::size_t>(row) * K, mu.data(), K * sizeof(T), cudaMemcpyHostToDevice, st));
    CCNORM_CUDA_CHECK(cudaStreamSynchronize(st));  // A, lc and mu are reused by the next row
  }
  return s;
}

void check_shape(std::size_t B, std::size_t K) {
  if (K == 0) throw std::invalid_argument("ccnorm::gpu: K must be at least 1");
  // K <= 2^29: the padded sort length kpad (next power of two) and its loop counter stay in int
  if (K > (std::size_t(1) << 29)) throw std::invalid_argument("ccnorm::gpu: K must be at most 2^29");
  if (B >= (std::size_t(1) << 30)) throw std::invalid_argument("ccnorm::gpu: B must be below 2^30 per device call");
}

}  // namespace

bool available() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return n > 0;
}

std::string unavailable_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    std::string why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice)
      why += " (no NVIDIA driver or device on this machine, or a driver older than this CUDA runtime)";
    return why;
  }
  return n > 0 ? std::string() : std::string("the CUDA runtime reports 0 devices");
}

std::string device_name() {
  int dev = 0;
  CCNORM_CUDA_CHECK(cudaGetDevice(&dev));
  cudaDeviceProp p;
  CCNORM_CUDA_CHECK(cudaGetDeviceProperties(&p, dev));
  return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
         std::to_string(p.multiProcessorCount) + " SMs)";
}

template <class T>
void enqueue_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream) {
  check_shape(B, K);
  if (B == 0) return;
  Workspace& ws = workspace();
  std::lock_guard<std::mutex> lock(ws.mu);
  if (ws.pending)
    throw std::logic_error("ccnorm::gpu::enqueue_device: the previous enqueue_device has not been finished (finish_device)");
  ws.init();
  enqueue_impl<T>(ws, dZ, B, K, dA, dlogC, dmu, static_cast<cudaStream_t>(stream));
  ws.pending = true;
}

template <class T>
Stats finish_device(const T* dZ, std::size_t B, std::size_t K, T* dA, T* dlogC, T* dmu, void* stream) {
  check_shape(B, K);
  if (B == 0) return {};
  Workspace& ws = workspace();
  std::lock_guard<std::mutex> lock(ws.mu);
  ws.init();
  ws.pending = false;  // whatever happens below, the workspace is free again
  return finish_impl<T>(ws, dZ, B, K, dA, dlogC, dmu, static_cast<cudaStream_t>(stream));
}

template <class T>
void evaluate_batch(const T* Z, std::size_t B, std::size_t K, T* A, T* logC, T* mu) {
  check_shape(0, K);  // B is split into chunks below 2^30 rows
  if (B == 0) return;
  Workspace& ws = workspace();
  std::lock_guard<std::mutex> lock(ws.mu);
  if (ws.pending)
    throw std::logic_error("ccnorm::gpu::evaluate_batch: an enqueue_device has not been finished (finish_device)");
  ws.init();
  const std::size_t per = rows_per_chunk(K, mu != nullptr, sizeof(T), ws.lim.buffer_budget);
  const std::size_t cap = std::min(per, B);
  Buffer dZ, dA, dL, dM;
  dZ.ensure(cap * K * sizeof(T));
  dA.ensure(cap * sizeof(T));
  dL.ensure(cap * sizeof(T));
  if (mu) dM.ensure(cap * K * sizeof(T));
  struct Free {
    Buffer* b[4];
    ~Free() {
      for (Buffer* x : b)
        if (x->p) (void)cudaFree(x->p);
    }
  } guard{{&dZ, &dA, &dL, &dM}};
  for (const RowRange& r : split_rows(B, per)) {
    CCNORM_CUDA_CHECK(cudaMemcpy(dZ.p, Z + r.first * K, r.count * K * sizeof(T), cudaMemcpyHostToDevice));
    T* pA = static_cast<T*>(dA.p);
    T* pL = static_cast<T*>(dL.p);
    T* pM = mu ? static_cast<T*>(dM.p) : nullptr;
    const T* pZ = static_cast<const T*>(dZ.p);
    enqueue_impl<T>(ws, pZ, r.count, K, pA, pL, pM, nullptr);
    finish_impl<T>(ws, pZ, r.count, K, pA, pL, pM, nullptr);
    CCNORM_CUDA_CHECK(cudaMemcpy(A + r.first, pA, r.count * sizeof(T), cudaMemcpyDeviceToHost));
    if (logC) CCNORM_CUDA_CHECK(cudaMemcpy(logC + r.first, pL, r.count * sizeof(T), cudaMemcpyDeviceToHost));
    if (mu) CCNORM_CUDA_CHECK(cudaMemcpy(mu + r.first * K, pM, r.count * K * sizeof(T), cudaMemcpyDeviceToHost));
  }
}

template void evaluate_batch<float>(const float*, std::size_t, std::size_t, float*, float*, float*);
template void evaluate_batch<double>(const double*, std::size_t, std::size_t, double*, double*, double*);
template void enqueue_device<float>(const float*, std::size_t, std::size_t, float*, float*, float*, void*);
template void enqueue_device<double>(const double*, std::size_t, std::size_t, double*, double*, double*, void*);
template Stats finish_device<float>(const float*, std::size_t, std::size_t, float*, float*, float*, void*);
template Stats finish_device<double>(const double*, std::size_t, std::size_t, double*, double*, double*, void*);

}  // namespace gpu
}  // namespace ccnorm
