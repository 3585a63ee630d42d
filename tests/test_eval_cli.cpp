// The `ccnorm eval` interface (docs/design.md §4), run as a subprocess: output format, bad input
// (non-numbers, NaN, inf, empty fields, ragged rows, a 10^5-column row, a 1 MB line), exit status.
#include <gtest/gtest.h>

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

Run eval(const std::string& input, const std::string& args) {
  char path[] = "/tmp/ccnorm_eval_testXXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  {
    std::ofstream f(path, std::ios::binary);
    f << input;
  }
  std::string cmd = std::string(CCNORM_BIN) + " eval " + args + " " + path;
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
    EXPECT_NEAR(v[0], -std::lgamma(static_cast<double>(Ks[i])), 1e-15);
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
