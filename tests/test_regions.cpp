// Unit tests of the max-dimension protocol and the heat maps (bench/regions.hpp) on a tiny grid
// with planted algorithms whose failures are known: the search must find their boundaries
// exactly (the exhaustive stage, the doubling grid and its bisection), report a candidate that
// never fails as capped at Kmax, and write the files `ccnorm regions` documents.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <set>

#include "bench/regions.hpp"
#include "io/csv.hpp"
#include "io/files.hpp"
#include "normalizer/auto.hpp"

namespace fs = std::filesystem;
using namespace ccnorm;

namespace {

// auto-precise (<= 1 ulp), with log C off by 50 % from K = 20 on: fails the 1 % protocol there.
template <class T>
Out<T> fails_from_20(const T* z, std::size_t K, T* mu) {
  Out<T> o = auto_precise<T>(z, K, mu);
  if (K >= 20) o.logC *= T(1.5);
  return o;
}
// fails at K = 5 only: the every-K' clause makes its max dimension 4.
template <class T>
Out<T> fails_at_5(const T* z, std::size_t K, T* mu) {
  Out<T> o = auto_precise<T>(z, K, mu);
  if (K == 5) o.logC = std::numeric_limits<T>::quiet_NaN();
  return o;
}

regions::Config tiny() {
  regions::Config c;
  c.sigmas = {1, 10};
  c.seeds = 3;
  c.heat_seeds = 1;
  c.kmax = 64;
  c.exhaustive = 8;
  c.gaps = {};
  c.dtypes = {"f64", "f32"};
  c.progress = false;
  c.threads = 2;
  c.algos = {{"fails-from-20", &fails_from_20<float>, &fails_from_20<double>},
             {"fails-at-5", &fails_at_5<float>, &fails_at_5<double>},
             {"auto-precise", &auto_precise<float>, &auto_precise<double>},
             {"no-f32", nullptr, &auto_precise<double>}};
  return c;
}

}  // namespace

TEST(Regions, BigGrid) {
  regions::Config c;
  c.exhaustive = 8;
  c.kmax = 64;
  EXPECT_EQ(regions::big_grid(c), (std::vector<std::size_t>{16, 32, 64}));
  c.kmax = 100;
  EXPECT_EQ(regions::big_grid(c), (std::vector<std::size_t>{16, 32, 64, 100}));
  c.kmax = 8;
  EXPECT_TRUE(regions::big_grid(c).empty());
}

TEST(Regions, FindsThePlantedBoundaries) {
  const regions::Config c = tiny();
  const regions::Result r = regions::run_regions(c);
  EXPECT_EQ(r.failures, 0u);
  EXPECT_EQ(r.tasks, 2u * 2 * 3);  // dtypes x sigmas x seeds (no gaps)
  ASSERT_EQ(r.dims.size(), 4u * 2 * 2 * 3);
  for (const auto& d : r.dims) {
    SCOPED_TRACE(d.algo + "/" + d.dtype);
    if (d.algo == "fails-from-20") {
      EXPECT_EQ(d.K, 19u);  // 16 passes, 32 fails: bisected to 19
      EXPECT_FALSE(d.capped);
    } else if (d.algo == "fails-at-5") {
      EXPECT_EQ(d.K, 4u);
      EXPECT_FALSE(d.capped);
    } else if (d.algo == "auto-precise" || d.dtype == "f64") {
      EXPECT_EQ(d.K, 64u);
      EXPECT_TRUE(d.capped);
    } else {  // no-f32 in f32: no entry point, fails at the first K
      EXPECT_EQ(d.K, 1u);
      EXPECT_FALSE(d.capped);
    }
  }
  const auto med = regions::medians(r);
  EXPECT_EQ(med.at("fails-from-20/f64").at(1), 19);
  EXPECT_EQ(med.at("fails-at-5/f32").at(10), 4);
  EXPECT_EQ(med.at("auto-precise/f32").at(10), 64);
  // heat rows: seed 0 only, K in {2,3,4,6,8} and the grid 16, 32, 64, every candidate
  std::set<std::size_t> Ks;
  for (const auto& h : r.heat_sigma) {
    EXPECT_EQ(h.seed, 0u);
    Ks.insert(h.K);
    if (h.algo == "auto-precise") {
      EXPECT_LE(h.err_A, 4.0) << h.K;
    }
    if (h.algo == "fails-from-20" && h.K >= 20) {
      EXPECT_GT(h.rel_logC, 0.01);
    }
  }
  EXPECT_EQ(Ks, (std::set<std::size_t>{2, 3, 4, 6, 8, 16, 32, 64}));
  EXPECT_EQ(r.heat_sigma.size(), 8u * 4 * 2 * 2);  // K x candidates x dtypes x sigmas
  EXPECT_TRUE(r.heat_gap.empty());
}

TEST(Regions, WritesTheDocumentedFiles) {
  regions::Config c = tiny();
  c.algos.resize(1);
  c.sigmas = {1};
  c.out = (fs::temp_directory_path() / ("ccnorm_test_regions_" + std::to_string(::getpid()))).string();
  fs::remove_all(c.out);
  regions::write_regions(c, regions::run_regions(c));
  const auto med = io::read_table(c.out + "/max_dimension_median.csv");
  ASSERT_EQ(med.size(), 2u);  // f32, f64
  for (const auto& m : med) {
    EXPECT_EQ(m.at("algo"), "fails-from-20");
    EXPECT_EQ(m.at("median_K"), "19");
    EXPECT_EQ(m.at("seeds"), "3");
    EXPECT_EQ(m.at("kmax"), "64");
  }
  EXPECT_EQ(io::read_table(c.out + "/max_dimension.csv").size(), 2u * 3);
  EXPECT_FALSE(io::read_table(c.out + "/heat_sigma.csv").empty());
  EXPECT_TRUE(io::read_table(c.out + "/heat_gap.csv").empty());
  const std::string js = io::read_text(c.out + "/max_dimension.json");
  EXPECT_NE(js.find("\"fails-from-20/f64\": {\"1\": 19}"), std::string::npos) << js;
  EXPECT_NE(js.find("\"kmax\": 64,"), std::string::npos);
  EXPECT_NE(js.find("\"closed-form-scaled/f64\": {\"0.01\": 7.5, \"0.1\": 9.5, \"1\": 15, \"10\": 33, \"32\": 40}"),
            std::string::npos)
      << js;
  fs::remove_all(c.out);
}

TEST(Regions, RejectsBadConfigurations) {
  regions::Config c = tiny();
  c.dtypes = {"f16"};
  EXPECT_THROW(regions::check(c), std::invalid_argument);
  c = tiny();
  c.kmax = 1;
  EXPECT_THROW(regions::run_regions(c), std::invalid_argument);
}
