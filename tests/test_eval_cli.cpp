// The `ccnorm eval` interface (docs/design.md §4.2), run as a subprocess: output format, bad input
// (non-numbers, NaN, inf, empty fields, ragged rows, a 10^5-column row, a 1 MB line), exit status;
// --entropy / --cov (field order, the old fields unchanged, the naive baselines), --param probs
// (its error rows), --algo gpu with the new flags; `ccnorm reference --entropy --cov --param probs`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

struct Run {
  int status;
  std::vector<std::string> lines;
};

Run tool(const char* cmd, const std::string& input, const std::string& args);

Run eval(const std::string& input, const std::string& args) { return tool("eval", input, args); }

Run tool(const char* sub, const std::string& input, const std::string& args) {
  char path[] = "/tmp/ccnorm_eval_testXXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  {
    std::ofstream f(path, std::ios::binary);
    f << input;
  }
  std::string cmd = std::string(CCNORM_BIN) + " " + sub + " " + args + " " + path + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  std::remove(path);
  Run r{WIFEXITED(st) ? WEXITSTATUS(st) : -1, {}};
  std::istringstream is(out);
  std::string l;
  while (std::getline(is, l)) r.lines.push_back(l);
  return r;
}

std::vector<double> fields(const std::string& l) {
  std::vector<double> v;
  std::stringstream ss(l);
  std::string f;
  while (std::getline(ss, f, ',')) v.push_back(std::strtod(f.c_str(), nullptr));
  return v;
}

}  // namespace

TEST(eval_cli, format_and_round_trip_digits) {
  auto r = eval("1,2,3\n", "--grad");
  ASSERT_EQ(r.status, 0);
  ASSERT_EQ(r.lines.size(), 1u);
  auto v = fields(r.lines[0]);
  ASSERT_EQ(v.size(), 5u);  // A, logC, 3 means
  // 17 significant digits for f64
  auto first = r.lines[0].substr(0, r.lines[0].find(','));
  EXPECT_GE(first.size(), 17u);
  auto rf = eval("1,2,3\n", "--grad --dtype f32");
  ASSERT_EQ(rf.status, 0);
  auto ff = rf.lines[0].substr(0, rf.lines[0].find(','));
  EXPECT_LE(ff.size(), 11u);
  EXPECT_EQ(static_cast<float>(std::strtod(ff.c_str(), nullptr)), static_cast<float>(v[0]));
}

TEST(eval_cli, blank_and_comment_lines_produce_no_output) {
  auto r = eval("# header\n\n1,2\n   \n#x\n3\n", "");
  EXPECT_EQ(r.status, 0);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(fields(r.lines[1])[0], 3.0);
}

TEST(eval_cli, bad_rows_are_reported_in_place_and_others_evaluated) {
  std::string in =
      "1,2\n"        // 1 ok
      "abc,1\n"      // 2 non-number
      "1,nan\n"      // 3 NaN
      "inf,0\n"      // 4 inf
      "1,,2\n"       // 5 empty field
      ",\n"          // 6 empty fields
      "1e999,1\n"    // 7 overflow
      "0x1.8p1,2\n"  // 8 hex ok
      "1,2,\n"       // 9 trailing comma
      "1 2\n";       // 10 missing separator
  auto r = eval(in, "--grad");
  EXPECT_EQ(r.status, 2);
  ASSERT_EQ(r.lines.size(), 10u);
  EXPECT_EQ(fields(r.lines[0]).size(), 4u);
  EXPECT_EQ(r.lines[1], "error: line 2: field 1: not a number: 'abc'");
  EXPECT_EQ(r.lines[2], "error: line 3: field 2: NaN is not a valid logit");
  EXPECT_EQ(r.lines[3], "error: line 4: field 1: infinity is not a valid logit");
  EXPECT_EQ(r.lines[4], "error: line 5: field 2: empty");
  EXPECT_EQ(r.lines[5], "error: line 6: field 1: empty");
  EXPECT_EQ(r.lines[6], "error: line 7: field 1: out of range for the dtype: '1e999'");
  EXPECT_EQ(fields(r.lines[7]).size(), 4u);
  EXPECT_EQ(r.lines[8], "error: line 9: field 3: empty");
  EXPECT_EQ(r.lines[9], "error: line 10: field 1: not a number: '1 2'");
  // f32: 1e39 overflows float
  auto rf = eval("1e39,0\n", "--dtype f32");
  EXPECT_EQ(rf.status, 2);
  EXPECT_EQ(rf.lines[0], "error: line 1: field 1: out of range for the dtype: '1e39'");
}

TEST(eval_cli, ragged_rows_each_use_their_own_K) {
  auto r = eval("0\n0,0\n0,0,0\n0,0,0,0,0,0,0,0,0,0\n", "--grad");
  ASSERT_EQ(r.status, 0);
  ASSERT_EQ(r.lines.size(), 4u);
  const std::size_t Ks[] = {1, 2, 3, 10};
  for (int i = 0; i < 4; ++i) {
    auto v = fields(r.lines[i]);
    ASSERT_EQ(v.size(), 2 + Ks[i]);
    // A = -log((K-1)!) (equal logits): within one ulp of the long double value (auto assembles
    // log((K-1)!) as a double-double, so it may differ from the double lgamma by an ulp)
    const double lg = static_cast<double>(-lgammal(static_cast<long double>(Ks[i])));
    EXPECT_NEAR(v[0], lg, 0x1p-52 * std::max(1.0, std::fabs(lg)));
    EXPECT_NEAR(v[2], 1.0 / Ks[i], 1e-16);
  }
}

TEST(eval_cli, eta_parameterisation_appends_a_zero) {
  auto a = eval("0.5,-1\n", "--param eta --grad");
  auto b = eval("0.5,-1,0\n", "--grad");
  ASSERT_EQ(a.status, 0);
  EXPECT_EQ(a.lines, b.lines);
}

TEST(eval_cli, wide_row_of_1e5_columns_and_a_1MB_line) {
  std::string row;
  for (int i = 0; i < 100000; ++i) row += (i ? "," : "") + std::to_string((i % 97) * 0.01);
  auto r = eval(row + "\n", "");
  ASSERT_EQ(r.status, 0);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_TRUE(std::isfinite(fields(r.lines[0])[0]));
  // a 1 MB line of a non-number: one error line, no crash
  std::string junk(1 << 20, 'x');
  auto j = eval("1,2\n" + junk + "\n3\n", "");
  EXPECT_EQ(j.status, 2);
  ASSERT_EQ(j.lines.size(), 3u);
  EXPECT_EQ(j.lines[1].rfind("error: line 2: field 1: not a number: 'xxx", 0), 0u);
  EXPECT_LT(j.lines[1].size(), 200u);
  // a 1 MB line of valid numbers
  std::string big;
  while (big.size() < (1u << 20)) big += "0.123456789012345,";
  big += "1";
  auto b = eval(big + "\n", "--dtype f32");
  EXPECT_EQ(b.status, 0);
  EXPECT_TRUE(std::isfinite(fields(b.lines[0])[0]));
}

TEST(eval_cli, auto_never_prints_nan_but_baselines_may) {
  auto a = eval("0,0,0,0\n1e-300,0\n0,1e7\n", "--grad");
  ASSERT_EQ(a.status, 0);
  for (auto& l : a.lines) EXPECT_EQ(l.find("nan"), std::string::npos) << l;
  auto c = eval("0,0,0,0\n", "--algo closed-form");
  ASSERT_EQ(c.status, 0);
  EXPECT_FALSE(std::isfinite(fields(c.lines[0])[0])) << "the papers' formula is 0/0 on ties: " << c.lines[0];
}

TEST(eval_cli, usage_errors) {
  EXPECT_EQ(eval("1\n", "--algo nope").status, 2);
  EXPECT_EQ(eval("1\n", "--dtype f16").status, 2);
  int st = std::system((std::string(CCNORM_BIN) + " eval --help > /dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

// ---- --entropy, --cov, --param probs (docs/design.md §4.2)

TEST(eval_cli, entropy_and_cov_field_order_and_the_old_fields_unchanged) {
  // rows: a generic one, ties, a wide one (auto escalates the mean), K = 1, K = 2
  const std::string in = "1,2,3\n0,0,0,0\n0,300,-5,2000\n4\n0.5,-0.25\n";
  const ::Run plain = eval(in, ""), grad = eval(in, "--grad"), H = eval(in, "--entropy"), C = eval(in, "--cov"),
            all = eval(in, "--cov --grad --entropy");  // the order of the flags does not matter
  for (const ::Run* r : {&plain, &grad, &H, &C, &all}) {
    ASSERT_EQ(r->status, 0);
    ASSERT_EQ(r->lines.size(), 5u);
  }
  const std::size_t Ks[] = {3, 4, 4, 1, 2};
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(all.lines[i]);
    const std::size_t K = Ks[i];
    const auto a = fields(all.lines[i]);
    ASSERT_EQ(a.size(), 2 + K + 1 + K * K);
    ASSERT_EQ(fields(H.lines[i]).size(), 3u);
    ASSERT_EQ(fields(C.lines[i]).size(), 2 + K * K);
    // A,logC[,mu] are byte-identical to the output without the new flags
    EXPECT_EQ(all.lines[i].rfind(grad.lines[i] + ",", 0), 0u);
    EXPECT_EQ(H.lines[i].rfind(plain.lines[i] + ",", 0), 0u);
    EXPECT_EQ(C.lines[i].rfind(plain.lines[i] + ",", 0), 0u);
    // H and Cov are the same values whichever other flags are given
    EXPECT_EQ(H.lines[i].substr(plain.lines[i].size()), all.lines[i].substr(grad.lines[i].size(), H.lines[i].size() - plain.lines[i].size()));
    EXPECT_EQ(all.lines[i].substr(all.lines[i].size() - (C.lines[i].size() - plain.lines[i].size())), C.lines[i].substr(plain.lines[i].size()));
    // the covariance: symmetric (to its accuracy goal, 64 u of sqrt(Cov_ii Cov_jj): the library
    // computes the two triangles separately), rows summing to 0, positive variances, K = 1: 0
    const double* cov = a.data() + 2 + K + 1;
    for (std::size_t r = 0; r < K; ++r) {
      double sum = 0, scale = 0;
      for (std::size_t c = 0; c < K; ++c) {
        EXPECT_LE(std::fabs(cov[r * K + c] - cov[c * K + r]), 64 * 0x1p-53 * std::sqrt(cov[r * K + r] * cov[c * K + c]));
        sum += cov[r * K + c];
        scale += std::fabs(cov[r * K + c]);
      }
      EXPECT_LE(std::fabs(sum), 1e-14 * scale);
      if (K >= 2) {
        EXPECT_GT(cov[r * K + r], 0);
      } else {
        EXPECT_EQ(cov[0], 0.0);
      }
    }
  }
  // all-equal logits: H = -log((K-1)!) (the uniform law on the simplex), Var = (K-1)/(K^2 (K+1))
  const auto t = fields(all.lines[1]);
  EXPECT_NEAR(t[2 + 4], -std::lgamma(4.0), 1e-15);
  EXPECT_NEAR(t[2 + 4 + 1], 3.0 / (16 * 5), 1e-16);
  // f32: every field is the %.9g of a float
  const ::Run f = eval("1,2,3\n", "--dtype f32 --entropy --cov");
  ASSERT_EQ(f.status, 0);
  std::stringstream ss(f.lines[0]);
  std::string fld;
  std::size_t nf = 0;
  while (std::getline(ss, fld, ',')) {
    ++nf;
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", std::strtof(fld.c_str(), nullptr));
    EXPECT_EQ(fld, b);
  }
  EXPECT_EQ(nf, 2u + 1 + 9);
}

TEST(eval_cli, baselines_print_the_naive_compositions) {
  // the closed form on the K+2 nodes z, z_i, z_j always sees a repeated node: every entry is
  // non-finite (0/0); the entropy from its own A and mean is finite on distinct nodes
  const ::Run c = eval("0,1,2\n", "--algo closed-form --entropy --cov");
  ASSERT_EQ(c.status, 0);
  const auto cf = fields(c.lines[0]);
  ASSERT_EQ(cf.size(), 2u + 1 + 9);
  EXPECT_TRUE(std::isfinite(cf[2]));
  for (std::size_t k = 3; k < cf.size(); ++k) EXPECT_FALSE(std::isfinite(cf[k])) << k;
  // taylor's naive values agree with auto's to the cancellation of the formulas (well
  // conditioned row: a few digits lost at most) but are not the same numbers
  const ::Run t = eval("0,1,2\n", "--algo taylor --entropy --cov"), a = eval("0,1,2\n", "--entropy --cov");
  const auto tv = fields(t.lines[0]), av = fields(a.lines[0]);
  ASSERT_EQ(tv.size(), av.size());
  for (std::size_t k = 2; k < tv.size(); ++k) EXPECT_NEAR(tv[k], av[k], 1e-12) << k;
  // a concentrated row: the naive dominant variance cancels, the moment series does not
  const std::string conc = "0,-40,-45,-50\n";
  const auto n = fields(eval(conc, "--algo taylor --cov").lines[0]), m = fields(eval(conc, "--cov").lines[0]);
  const double var_top = m[2];  // Cov_11: the dominant coordinate's variance ~ sum 1/gap^2
  EXPECT_NEAR(var_top, 1.0 / 1600 + 1.0 / 2025 + 1.0 / 2500, 1e-5);
  EXPECT_GT(std::fabs(n[2] - var_top), 1e-13 * var_top) << "the naive variance happened to be exact";
  // sorted-difference refuses the mean above K = 8192: an error row, the others evaluated
  std::string big;
  for (int i = 0; i < 9000; ++i) big += (i ? "," : "") + std::to_string(i % 7);
  const ::Run s = eval("1,2\n" + big + "\n", "--algo sorted-difference --entropy");
  EXPECT_EQ(s.status, 2);
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(fields(s.lines[0]).size(), 3u);
  EXPECT_EQ(s.lines[1].rfind("error: line 2: sorted-difference failed: ", 0), 0u) << s.lines[1];
}

TEST(eval_cli, probs_parameterisation_and_its_error_rows) {
  // lambda -> z = log lambda in the dtype: the same line as eval on those logits
  const double l[3] = {0.2, 0.3, 0.5};
  char buf[128];
  std::snprintf(buf, sizeof buf, "%a,%a,%a\n", std::log(l[0]), std::log(l[1]), std::log(l[2]));
  const ::Run p = eval("0.2,0.3,0.5\n", "--param probs --grad --entropy --cov"), z = eval(buf, "--grad --entropy --cov");
  ASSERT_EQ(p.status, 0);
  EXPECT_EQ(p.lines, z.lines);
  // normalisation does not change logC, mu, H or Cov (A shifts by log of the factor)
  const auto a = fields(p.lines[0]), b = fields(eval("2,3,5\n", "--param probs --grad --entropy --cov").lines[0]);
  EXPECT_NEAR(b[0] - a[0], std::log(10.0), 1e-14);
  for (std::size_t k = 1; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-14) << k;
  // bad rows: named by line and field, in the project's wording; the other rows are evaluated
  const ::Run e = eval("0.2,0,0.8\n0.5,0.5\n1,-3\n# c\nnan,1\n0.1,inf\n", "--param probs --entropy");
  EXPECT_EQ(e.status, 2);
  ASSERT_EQ(e.lines.size(), 5u);
  EXPECT_EQ(e.lines[0], "error: line 1: field 2: probability must be > 0 (the open simplex)");
  EXPECT_EQ(fields(e.lines[1]).size(), 3u);
  EXPECT_EQ(e.lines[2], "error: line 3: field 2: probability must be > 0 (the open simplex)");
  EXPECT_EQ(e.lines[3], "error: line 5: field 1: NaN is not a valid probability");
  EXPECT_EQ(e.lines[4], "error: line 6: field 2: infinity is not a valid probability");
  // f32: z = logf(lambda)
  const ::Run f = eval("0.2,0.8\n", "--param probs --dtype f32");
  std::snprintf(buf, sizeof buf, "%a,%a\n", static_cast<double>(std::log(0.2f)), static_cast<double>(std::log(0.8f)));
  EXPECT_EQ(f.lines, eval(buf, "--dtype f32").lines);
  EXPECT_EQ(eval("1\n", "--param lambda").status, 2);
}

TEST(eval_cli, gpu_with_entropy_or_cov_is_a_usage_error) {
  for (const char* flag : {"--entropy", "--cov"}) {
    const ::Run r = eval("1,2\n", std::string("--algo gpu ") + flag);
    EXPECT_EQ(r.status, 2) << flag;
    EXPECT_TRUE(r.lines.empty()) << flag;
  }
  std::string err;
  FILE* p = popen((std::string(CCNORM_BIN) + " eval --algo gpu --cov /dev/null 2>&1").c_str(), "r");
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) err += buf;
  pclose(p);
  EXPECT_NE(err.find("--algo gpu computes A, logC and the mean only; --entropy and --cov are computed on the CPU"),
            std::string::npos)
      << err;
}

TEST(reference_cli, entropy_cov_layout_and_probs) {
  const ::Run r = tool("reference", "1,2,3\n7\n", "--grad --entropy --cov --digits 20");
  ASSERT_EQ(r.status, 0);
  ASSERT_EQ(r.lines.size(), 2u);
  // A,A_rad,logC,logC_rad,mu_1..3,mu_rad_max,H,H_rad,Cov_11..Cov_33,cov_rad_max
  const auto v = fields(r.lines[0]);
  ASSERT_EQ(v.size(), 4u + 3 + 1 + 2 + 9 + 1);
  const auto e = fields(eval("1,2,3\n", "--grad --entropy --cov").lines[0]);
  ASSERT_EQ(e.size(), 2u + 3 + 1 + 9);
  EXPECT_NEAR(v[8], e[5], 1e-15);  // H
  EXPECT_GT(v[9], 0.0);
  EXPECT_LT(v[9], 1e-19);          // H_rad at 20 digits
  for (std::size_t k = 0; k < 9; ++k) EXPECT_NEAR(v[10 + k], e[6 + k], 1e-16) << k;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(v[10 + 3 * i + j], v[10 + 3 * j + i]);
  EXPECT_LT(v[19], 1e-20);
  // K = 1: H = 0 and Cov = 0 exactly, radii 0
  const auto w = fields(r.lines[1]);
  ASSERT_EQ(w.size(), 4u + 1 + 1 + 2 + 1 + 1);
  EXPECT_EQ(w[6], 0.0);
  EXPECT_EQ(w[8], 0.0);
  EXPECT_EQ(w[9], 0.0);
  // --param probs: the reference of z = log(lambda) as rounded in the dtype
  char buf[96];
  std::snprintf(buf, sizeof buf, "%a,%a\n", static_cast<double>(std::log(0.25f)), static_cast<double>(std::log(0.75f)));
  EXPECT_EQ(tool("reference", "0.25,0.75\n", "--param probs --dtype f32 --entropy").lines,
            tool("reference", buf, "--dtype f32 --entropy").lines);
  const ::Run bad = tool("reference", "0.5,-0.5\n", "--param probs");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.lines.at(0), "error: line 1: field 2: probability must be > 0 (the open simplex)");
}
