// Host reference for the device check, compiled by the C++ compiler (not nvcc): the double-double
// Taylor series of normalizer/auto.hpp (auto-precise: <= 1 ulp for A, <= 1 u for mu observed).
#include <cstddef>

#include "normalizer/auto.hpp"

double ccnorm_host_precise(const double* z, std::size_t K, double* mu) { return ccnorm::auto_precise<double>(z, K, mu).A; }
