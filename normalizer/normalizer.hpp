// ccnorm: the library's single include.
//
//   ccnorm::evaluate<T>(Algo, z, K, mu)                                  one row
//   ccnorm::evaluate_row<T>(Algo, z, K, A, logC, mu) -> RowStatus         one row, never throws
//   ccnorm::evaluate_batch<T>(Algo, Z, B, K, A, logC, mu, threads, status) row-major B x K, all cores
//   ccnorm::algorithms(), info(Algo), find_algorithm(name)                the registry
//   ccnorm::covariance / hvp / variances / entropy / kl_divergence      distribution.hpp
//   ccnorm::CCSampler, sample                                            sample.hpp
//   ccnorm::*_batch (the same for many rows), to_logits (eta, probs)     batch.hpp, params.hpp
//
// T = float or double for every algorithm; `taylor` and the baselines also take long double and
// Boost.Multiprecision types through their own headers. Per-row status and thread safety:
// normalizer/batch.hpp; the algorithms and their names: normalizer/registry.hpp and
// docs/design.md §2.
#pragma once
#include "normalizer/batch.hpp"
#include "normalizer/common.hpp"
#include "normalizer/distribution.hpp"
#include "normalizer/params.hpp"
#include "normalizer/registry.hpp"
#include "normalizer/sample.hpp"
