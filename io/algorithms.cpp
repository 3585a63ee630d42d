// ccnorm io: the algorithm registry as CSV (see algorithms.hpp).
#include "io/algorithms.hpp"

#include <fstream>
#include <stdexcept>

#include "io/csv.hpp"
#include "normalizer/registry.hpp"

namespace ccnorm::io {

std::string algorithms_csv() {
  std::string s = std::string(kAlgorithmsHeader) + "\n";
  int rank = 0;
  for (const AlgoInfo& a : algorithms()) {
    s += csv_field(a.name) + ',' + std::to_string(rank++) + ',' + csv_field(cost_class_name(a.cost)) + ',' +
         (a.baseline ? "1" : "0") + ',' + (a.f32 ? "1" : "0") + ',' + (a.f64 ? "1" : "0") + ',' +
         (a.mean ? "1" : "0") + ',' + std::to_string(a.max_K_mean) + ',' + csv_field(a.summary) + '\n';
  }
  return s;
}

void write_algorithms_csv(const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << algorithms_csv();
  f.flush();
  if (!f) throw std::runtime_error("error writing " + path);
}

}  // namespace ccnorm::io
