// Unit tests of the golden generator (validate/golden_gen.hpp) in process: the committed small set
// (reference/golden/golden.csv, `ccnorm golden --small`) is regenerated and must reproduce every
// data line's inputs and decided values; the files read back with their certified radii, including
// the rest of the distribution (format version 2: H, cov, kl_q, kl), and round-trip line by line;
// the provenance line and the JSON Lines header name the tool, the versions, the git revision and
// the date; a case that cannot be certified is an error that names it; version 1 lines are read.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "io/csv.hpp"
#include "io/files.hpp"
#include "io/provenance.hpp"
#include "reference/reference.hpp"
#include "validate/golden.hpp"
#include "validate/golden_gen.hpp"

namespace fs = std::filesystem;
using namespace ccnorm;

namespace {

std::vector<std::string> data_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> d;
  for (const auto& l : lines)
    if (!l.empty() && l[0] != '#') d.push_back(l);
  return d;
}

class GoldenSmall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ccnorm_test_golden_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    cases_ = golden::golden_inputs(golden::kDefaultSeed, true);
    golden::certify(cases_, {golden::mu_max_K(true), 0, golden::cov_max_K(true)});
    golden::write_golden(dir_.string(), cases_, golden::provenance(golden::kDefaultSeed, true, "testrev", "2026-01-02"),
                         golden::mu_max_K(true), golden::cov_max_K(true));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
  static std::vector<golden::Case> cases_;
};
fs::path GoldenSmall::dir_;
std::vector<golden::Case> GoldenSmall::cases_;

}  // namespace

// The inputs (z and the KL pair's q row) and the correctly rounded values (unique, whatever
// precision decided them) equal the committed set's; the low parts and radii depend on the
// reference's working precision (which may be retuned), so they are not compared; H and KL, which
// need not be decided, must agree within their certified bounds.
TEST_F(GoldenSmall, ReproducesTheCommittedInputsAndValues) {
  const auto mine = data_lines(golden::read_lines((dir_ / "golden.csv").string()));
  const auto committed = data_lines(golden::read_lines("reference/golden/golden.csv"));
  ASSERT_EQ(mine.size(), committed.size());
  ASSERT_EQ(mine.at(0), golden::kCsvHeader);
  ASSERT_EQ(committed.at(0), golden::kCsvHeader) << "the committed set is not format version 2: regenerate it";
  for (std::size_t i = 1; i < mine.size(); ++i) {
    const auto a = io::split(mine[i], ','), b = io::split(committed[i], ',');
    ASSERT_EQ(a.size(), golden::kCsvFields) << mine[i];
    ASSERT_EQ(b.size(), golden::kCsvFields) << committed[i];
    for (int f : {0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 22}) ASSERT_EQ(a[f], b[f]) << "field " << f << " of " << a[0];
    const golden::Case x = golden::parse_csv_row(mine[i]), y = golden::parse_csv_row(committed[i]);
    ASSERT_EQ(x.has_H, y.has_H);
    ASSERT_EQ(x.has_kl, y.has_kl);
    ASSERT_EQ(x.has_cov, y.has_cov);
    EXPECT_LE(std::fabs((x.H - y.H) + (x.H_lo - y.H_lo)), x.H_rad + y.H_rad) << a[0];
    EXPECT_LE(std::fabs((x.kl - y.kl) + (x.kl_lo - y.kl_lo)), x.kl_rad + y.kl_rad) << a[0];
  }
}

// Every data line reads back to a case that writes the same line (CSV), including the new columns.
TEST_F(GoldenSmall, LinesRoundTrip) {
  for (const auto& l : data_lines(golden::read_lines("reference/golden/golden.csv"))) {
    if (l.rfind("id,family,", 0) == 0) continue;
    EXPECT_EQ(golden::csv_row(golden::parse_csv_row(l)), l);
  }
}

// The rest of the distribution: stored where the set says, consistent with the distribution's
// identities (Cov symmetric, rows summing to 0, positive variances; KL >= 0 and 0 exactly for a
// constant q - z; the KL pair in the case's dtype) and certified to far below the scorer's u.
TEST_F(GoldenSmall, DistributionColumns) {
  std::size_t n_cov = 0, n_kl = 0, n_zero = 0;
  for (const auto& c : cases_) {
    SCOPED_TRACE(c.id);
    ASSERT_TRUE(c.has_H);
    EXPECT_TRUE(std::isfinite(c.H_rad) && c.H_rad >= 0 && c.H_rad <= 0x1p-70 * std::max(1.0, std::fabs(c.H)));
    EXPECT_LE(c.H, -std::lgamma(static_cast<double>(c.K)) + 1e-12);  // H <= -log((K-1)!): the uniform law's
    EXPECT_EQ(c.has_cov, c.K <= golden::cov_max_K(true));
    if (c.has_cov) {
      ++n_cov;
      ASSERT_EQ(c.cov.size(), c.K * c.K);
      EXPECT_TRUE(std::isfinite(c.cov_relrad) && c.cov_relrad <= 0x1p-70);
      for (std::size_t i = 0; i < c.K; ++i) {
        double row = 0, scale = 0;
        for (std::size_t j = 0; j < c.K; ++j) {
          EXPECT_EQ(c.cov[i * c.K + j], c.cov[j * c.K + i]);
          row += c.cov[i * c.K + j];
          scale += std::fabs(c.cov[i * c.K + j]);
        }
        if (c.K >= 2) {
          EXPECT_GT(c.cov[i * c.K + i], 0);
        }
        EXPECT_LE(std::fabs(row), 1e-13 * scale + 1e-300);
      }
    }
    EXPECT_EQ(c.has_kl, c.K <= golden::mu_max_K(true));
    if (c.has_kl) {
      ++n_kl;
      ASSERT_EQ(c.kl_q.size(), c.x.size());
      EXPECT_GE(c.kl, 0);
      const auto z = c.z(), q = c.zq();
      bool constant = true;
      for (std::size_t j = 1; j < z.size(); ++j) constant = constant && q[j] - z[j] == q[0] - z[0];
      EXPECT_EQ(c.kl == 0, constant);
      n_zero += c.kl == 0;
      if (c.kl > 0) {
        EXPECT_LE(c.kl_rad, 0x1p-70 * c.kl);
      }
      if (c.f32) {
        for (double v : c.kl_q) EXPECT_TRUE(golden::float_representable(v));
      }
    }
  }
  EXPECT_GT(n_cov, cases_.size() / 2);
  EXPECT_GT(n_kl, cases_.size() / 2);
  EXPECT_GT(n_zero, 0u);               // K = 1 rows: KL = 0 exactly
  EXPECT_LT(n_zero, cases_.size() / 10);
}

// A format version 1 line (the first 16 columns, under the version 1 header) still reads.
TEST_F(GoldenSmall, Version1LinesAreRead) {
  const auto lines = golden::read_lines("reference/golden/golden.csv");
  std::vector<std::string> v1{"# a version 1 file", golden::kCsvHeaderV1};
  for (const auto& l : data_lines(lines)) {
    if (l.rfind("id,family,", 0) == 0) continue;
    const auto f = io::split(l, ',');
    std::string s;
    for (std::size_t i = 0; i < golden::kCsvFieldsV1; ++i) s += (i ? "," : "") + f[i];
    v1.push_back(s);
  }
  const auto back = golden::parse_golden(v1, golden::detect(v1), "v1.csv");
  ASSERT_EQ(back.size(), cases_.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].A, cases_[i].A);
    EXPECT_FALSE(back[i].has_H || back[i].has_cov || back[i].has_kl || !back[i].kl_q.empty());
  }
  // a version 2 line under a version 1 header (or the reverse) names the line
  v1.push_back(data_lines(lines).at(1));
  try {
    golden::parse_golden(v1, golden::detect(v1), "mixed.csv");
    ADD_FAILURE() << "no exception";
  } catch (const golden::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("mixed.csv:" + std::to_string(v1.size()) + ": expected 16 fields (format version 1), found 26"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(GoldenSmall, ReadsBackWithCertifiedRadii) {
  const auto lines = golden::read_lines((dir_ / "golden.csv").string());
  const auto back = golden::parse_golden(lines, golden::detect(lines), "golden.csv");
  ASSERT_EQ(back.size(), cases_.size());
  std::size_t with_mu = 0, positive_radii = 0;
  for (std::size_t i = 0; i < back.size(); ++i) {
    const auto& c = back[i];
    SCOPED_TRACE(c.id);
    EXPECT_EQ(c.id, cases_[i].id);
    EXPECT_EQ(c.x, cases_[i].x);
    ASSERT_TRUE(c.has_ref);
    EXPECT_EQ(c.A, cases_[i].A);
    EXPECT_EQ(c.A_lo, cases_[i].A_lo);
    // certified radii: finite, >= 0 (0 where the value is exact, e.g. K = 1), and small enough to
    // decide the rounding of A (below half the larger ulp gap next to A)
    EXPECT_TRUE(std::isfinite(c.A_rad) && c.A_rad >= 0);
    EXPECT_TRUE(std::isfinite(c.logC_rad) && c.logC_rad >= 0);
    positive_radii += c.A_rad > 0;
    const double gap = std::max(std::nextafter(c.A, INFINITY) - c.A, c.A - std::nextafter(c.A, -INFINITY));
    EXPECT_LE(c.A_rad, 0.5 * gap);
    EXPECT_EQ(c.has_mu, c.K <= golden::mu_max_K(true));
    if (c.has_mu) {
      ++with_mu;
      EXPECT_EQ(c.mu.size(), c.K);
      EXPECT_TRUE(std::isfinite(c.mu_relrad) && c.mu_relrad >= 0);
    }
    if (c.family == "small_A") {
      EXPECT_LT(std::fabs(c.A), 1.0);
    }
    if (c.f32) {
      for (double v : c.x) EXPECT_TRUE(golden::float_representable(v));
    }
  }
  EXPECT_GT(with_mu, back.size() / 2);
  EXPECT_GT(positive_radii, back.size() / 2);  // most values are not exact doubles
  // the JSON Lines file holds the same cases
  const auto jl = golden::read_lines((dir_ / "golden.jsonl").string());
  const auto back_j = golden::parse_golden(jl, golden::FileKind::golden_jsonl, "golden.jsonl");
  ASSERT_EQ(back_j.size(), back.size());
  for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(golden::csv_row(back_j[i]), golden::csv_row(back[i]));
}

TEST_F(GoldenSmall, ProvenanceLines) {
  const auto lines = golden::read_lines((dir_ / "golden.csv").string());
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "# ccnorm golden vectors, format version 2 (see README.md)");
  const std::string want = "# generated by ccnorm golden --small --seed 20240611 (" + ref::library_versions() + "; ccnorm " +
                           io::ccnorm_version() + "); git: testrev; date: 2026-01-02";
  EXPECT_EQ(lines[1], want);
  EXPECT_EQ(ref::library_versions().rfind("Arb ", 0), 0u);
  const auto jl = golden::read_lines((dir_ / "golden.jsonl").string());
  std::istringstream in(jl.at(0));
  boost::property_tree::ptree t;
  boost::property_tree::read_json(in, t);
  EXPECT_EQ(t.get<std::string>("format"), "ccnorm-golden");
  EXPECT_EQ(t.get<int>("version"), 2);
  EXPECT_EQ(t.get<std::string>("provenance.tool"), "ccnorm golden --small --seed 20240611");
  EXPECT_EQ(t.get<std::string>("provenance.version"), io::ccnorm_version());
  EXPECT_EQ(t.get<std::string>("provenance.git"), "testrev");
  EXPECT_EQ(t.get<std::string>("provenance.date"), "2026-01-02");
  EXPECT_EQ(t.get<std::string>("provenance.versions"), ref::library_versions());
  EXPECT_EQ(t.get<std::size_t>("provenance.cases"), cases_.size());
  const std::string readme = io::read_text((dir_ / "README.md").string());
  EXPECT_NE(readme.find("ccnorm golden --small --seed 20240611 --out DIR"), std::string::npos);
  EXPECT_NE(readme.find("(git testrev, 2026-01-02; " + ref::library_versions() + ")"), std::string::npos);
  EXPECT_NE(readme.find("## Composition (" + std::to_string(cases_.size()) + " cases"), std::string::npos);
}

TEST(Golden, UncertifiableCaseIsAnErrorThatNamesIt) {
  std::vector<golden::Case> cases(2);
  cases[0].id = "fine.K2";
  cases[0].K = 2;
  cases[0].x = {0.5, -1};
  cases[1].id = "too-wide.K2";
  cases[1].K = 2;
  cases[1].x = {0, 2 * ref::kMaxSpread};  // beyond the reference's domain
  try {
    golden::certify(cases, {10, 1});
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("too-wide.K2: "), std::string::npos) << m;
    EXPECT_EQ(m.find("fine.K2"), std::string::npos) << m;
  }
}
