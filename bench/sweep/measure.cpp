// ccnorm sweep measurements (see measure.hpp).
#include "bench/sweep/measure.hpp"

#include <stdexcept>

#include "reference/reference.hpp"

namespace ccnorm::sweep {

RefMP reference(const std::vector<double>& z, bool with_mu) {
  const ref::Certified c = ref::certified(z.data(), z.size(), with_mu);
  RefMP r;
  r.A = measures::to_mp200(c.A);
  r.logC = measures::to_mp200(c.logC);
  for (const auto& m : c.mu) r.mu.push_back(measures::to_mp200(m));
  return r;
}

template <class T>
Errors measure(EntryPoint<T> f, const std::vector<T>& z, const RefMP& r, bool with_mu) {
  Errors e;
  if (f == nullptr) return e;
  std::vector<T> mu(z.size());
  Out<T> o{};
  bool ok = false;
  try {
    o = f(z.data(), z.size(), with_mu ? mu.data() : nullptr);
    ok = true;
    if (with_mu) e.err_mu = measures::err_mean<T>(mu.data(), z.size(), r.mu);
  } catch (const std::exception&) {
  }
  if (!ok && with_mu) {
    try {
      o = f(z.data(), z.size(), nullptr);
      ok = true;
    } catch (const std::exception&) {
    }
  }
  if (!ok) return e;
  e.err_A = measures::err_value<T>(o.A, r.A);
  e.ulps_A = measures::ulps<T>(o.A, r.A);
  e.logC = static_cast<double>(o.logC);
  return e;
}
template Errors measure<float>(EntryPoint<float>, const std::vector<float>&, const RefMP&, bool);
template Errors measure<double>(EntryPoint<double>, const std::vector<double>&, const RefMP&, bool);

double rel_err_logC(double logC_hat, const mp200& logC) { return measures::err_relative(logC_hat, logC, 1.0); }

}  // namespace ccnorm::sweep
