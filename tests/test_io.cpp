// Unit tests of the shared readers and writers (io/): CSV quoting round trip and tables, JSON
// escaping of control bytes and non-finite numbers, the provenance line, the registry table, the
// result rows, the corpus reader's errors and the file helpers' errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "io/algorithms.hpp"
#include "io/corpus.hpp"
#include "io/csv.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "io/json.hpp"
#include "io/provenance.hpp"
#include "io/rows.hpp"
#include "normalizer/registry.hpp"

namespace fs = std::filesystem;
namespace pt = boost::property_tree;
using namespace ccnorm;

namespace {

fs::path tmp(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("ccnorm_test_io_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}

pt::ptree parse_json(const std::string& s) {
  std::istringstream in(s);
  pt::ptree t;
  pt::read_json(in, t);
  return t;
}

}  // namespace

TEST(Csv, QuotingRoundTrip) {
  const std::vector<std::string> fields{"", "plain", "a,b", "say \"hi\"", "\"", ",", ",,\"\",", "tab\there", "cr\rinside",
                                        "trailing space ", "0x1.8p+1;-0x1p-3"};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + io::csv_field(fields[i]);
  EXPECT_EQ(io::split_csv(line), fields) << line;
  // only the fields that need it are quoted
  EXPECT_EQ(io::csv_field("plain"), "plain");
  EXPECT_EQ(io::csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(io::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(Csv, SplitKeepsEmptyFields) {
  EXPECT_EQ(io::split("a;;b", ';'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(io::split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(io::split(",x,", ','), (std::vector<std::string>{"", "x", ""}));
  EXPECT_EQ(io::split_trimmed(" 1 ,\t2\r", ','), (std::vector<std::string>{"1", "2"}));
}

TEST(Csv, ReadTable) {
  const fs::path p = tmp("table.csv");
  std::ofstream(p) << "# provenance: skipped\r\nalgo,note,K\r\nauto,\"a, b\",10\r\n# comment between rows\nclosed-form\n";
  const auto t = io::read_table(p.string());
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].at("algo"), "auto");
  EXPECT_EQ(t[0].at("note"), "a, b");
  EXPECT_EQ(t[0].at("K"), "10");  // the CR of the CRLF line end is dropped
  EXPECT_EQ(t[1].at("algo"), "closed-form");
  EXPECT_EQ(t[1].at("K"), "");  // missing trailing fields are empty
  const std::string missing = tmp("missing.csv").string();
  try {
    io::read_table(missing);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_TRUE(io::read_table_if_exists(missing).empty());
}

TEST(Json, EscapesControlBytesQuotesAndBackslashes) {
  std::string all;
  for (int c = 1; c < 0x20; ++c) all += static_cast<char>(c);
  const std::string e = io::json_escape(all);
  for (int c = 1; c < 0x20; ++c) {
    char want[8];
    std::snprintf(want, sizeof want, "\\u%04x", c);
    EXPECT_NE(e.find(want), std::string::npos) << c;
  }
  EXPECT_EQ(e.size(), 6u * 31);  // every control byte as \u00XX, nothing else
  EXPECT_EQ(io::json_escape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(io::json_escape("\x7f" "\xc3\xa9"), "\x7f" "\xc3\xa9");  // DEL and UTF-8 bytes pass through
  EXPECT_EQ(io::json_string("x\ny"), "\"x\\u000ay\"");
  // a JSON parser reads the escaped string back
  const std::string tricky = std::string("tab\tnl\nquote\"back\\slash") + '\x01';
  EXPECT_EQ(parse_json("{\"k\": " + io::json_string(tricky) + "}").get<std::string>("k"), tricky);
}

TEST(Json, NonFiniteNumbers) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  EXPECT_EQ(io::json_number(inf), "null");
  EXPECT_EQ(io::json_number(nan), "null");
  EXPECT_EQ(io::json_number(0.1, 0), "0.1");
  EXPECT_EQ(io::json_number(1.0 / 3.0), "0.333333");
  EXPECT_EQ(io::json_error(inf), "\"inf\"");
  EXPECT_EQ(io::json_error(-inf), "\"-inf\"");
  EXPECT_EQ(io::json_error(nan), "null");
  EXPECT_EQ(io::json_error(2.5), "2.5");
}

TEST(Format, NumbersAndText) {
  EXPECT_EQ(io::format_g(0.01), "0.01");
  EXPECT_EQ(io::format_g(100000), "100000");
  EXPECT_EQ(io::format_g(1234567), "1.23457e+06");  // printf's %g
  EXPECT_EQ(io::format_error(std::nan("")), "inf");
  EXPECT_EQ(io::parse_error("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(io::format_shortest(-0.0), "0");
  EXPECT_EQ(io::format_shortest_list({0.1, -2, 1e-300}, ';'), "0.1;-2;1e-300");
  EXPECT_EQ(io::html_escape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

TEST(Rows, ResultLinesAndErrorLines) {
  std::string s;
  const double mu[2] = {0.25, 0.75};
  io::append_result(s, 1.0 / 3.0, -2.0, mu, 2);
  EXPECT_EQ(s, "0.33333333333333331,-2,0.25,0.75");  // 17 significant digits round-trip the double
  s.clear();
  io::append_result<float>(s, 1.0f / 3.0f, std::numeric_limits<float>::infinity(), nullptr, 0);
  EXPECT_EQ(s, "0.333333343,inf");
  EXPECT_EQ(io::error_line(7, "field 2: empty"), "error: line 7: field 2: empty");
  std::vector<double> z;
  std::string why;
  EXPECT_EQ(io::parse_row<double>(" 1, 0x1p-2 ,-3", z, why), io::LineKind::row);
  EXPECT_EQ(z, (std::vector<double>{1, 0.25, -3}));
  EXPECT_EQ(io::parse_row<double>("1,,2", z, why), io::LineKind::error);
  EXPECT_EQ(why, "field 2: empty");
}

TEST(Provenance, LineAndJson) {
  const io::Provenance full{"ccnorm golden --seed 1", "Arb 2.23.0, MPFR 4.2.0", "abc123", "2026-01-02"};
  EXPECT_EQ(io::provenance_line(full), "ccnorm golden --seed 1 (Arb 2.23.0, MPFR 4.2.0; ccnorm " + io::ccnorm_version() +
                                           "); git: abc123; date: 2026-01-02");
  EXPECT_EQ(io::provenance_line({"make_corpus --seed 5", "", "", "2026-01-02"}),
            "make_corpus --seed 5 (ccnorm " + io::ccnorm_version() + "); date: 2026-01-02");
  EXPECT_EQ(io::provenance_line({"tool", "", "", ""}), "tool (ccnorm " + io::ccnorm_version() + ")");
  EXPECT_TRUE(std::regex_match(io::ccnorm_version(), std::regex("[0-9]+\\.[0-9]+\\.[0-9]+"))) << io::ccnorm_version();
  const auto j = parse_json("{" + io::provenance_json({"t \"q\"", "L", "g", "d"}) + "}");
  EXPECT_EQ(j.get<std::string>("tool"), "t \"q\"");
  EXPECT_EQ(j.get<std::string>("version"), io::ccnorm_version());
  EXPECT_EQ(j.get<std::string>("git"), "g");
  EXPECT_EQ(j.get<std::string>("date"), "d");
  EXPECT_EQ(j.get<std::string>("versions"), "L");
  const auto j2 = parse_json("{" + io::provenance_json({"t", "", "", ""}) + "}");
  EXPECT_FALSE(j2.get_child_optional("git"));
  EXPECT_FALSE(j2.get_child_optional("date"));
  EXPECT_TRUE(std::regex_match(io::utc_date(), std::regex("20[0-9]{2}-[01][0-9]-[0-3][0-9]"))) << io::utc_date();
  EXPECT_TRUE(std::regex_match(io::utc_timestamp(), std::regex("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z")))
      << io::utc_timestamp();
}

TEST(Algorithms, CsvIsTheRegistry) {
  const std::string csv = io::algorithms_csv();
  std::istringstream in(csv);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, io::kAlgorithmsHeader);
  std::size_t n = 0;
  while (std::getline(in, line)) {
    const auto f = io::split_csv(line);
    ASSERT_EQ(f.size(), 9u) << line;
    ASSERT_LT(n, algorithms().size());
    const AlgoInfo& a = algorithms()[n];
    EXPECT_EQ(f[0], a.name);
    EXPECT_EQ(std::stoi(f[1]), algo_rank(a.name));
    EXPECT_EQ(f[2], cost_class_name(a.cost));  // "O(K N), GPU batch" survives the quoting
    EXPECT_EQ(f[3], a.baseline ? "1" : "0");
    EXPECT_EQ(f[7], std::to_string(a.max_K_mean));
    EXPECT_EQ(f[8], a.summary);
    ++n;
  }
  EXPECT_EQ(n, algorithms().size());
  const fs::path p = tmp("algorithms.csv");
  io::write_algorithms_csv(p.string());
  EXPECT_EQ(io::read_text(p.string()), csv);
  EXPECT_EQ(io::read_table(p.string()).size(), algorithms().size());
}

TEST(Files, ErrorsNameTheFile) {
  const std::string bad = tmp("no_such_dir/x.txt").string();
  try {
    io::write_text(bad, "x");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EXPECT_THROW(io::read_text(bad), std::runtime_error);
  EXPECT_THROW(io::write_algorithms_csv(bad), std::runtime_error);
}

TEST(Corpus, StrictReaderNamesFileAndLine) {
  auto parse = [](const std::string& t) { return std::stod(t); };
  auto all = [](std::size_t) { return true; };
  const fs::path p = tmp("corpus.csv");
  std::ofstream(p) << "# provenance\nid,family,dtype,K,z,A,mu\nr1,g,f64,2,0x1p+0;0x0p+0,1.5,0.7;0.3\n"
                   << "r2,g,f32,2,0.1;0,1.5,0.5;0.5\n";
  try {
    ccnorm::corpus::load<double>(p.string(), all, parse);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {  // 0.1 is not a float
    EXPECT_NE(std::string(e.what()).find(p.string() + ":4:"), std::string::npos) << e.what();
  }
  const auto rows = ccnorm::corpus::load<double>(p.string(), [](std::size_t K) { return K < 2; }, parse);
  EXPECT_TRUE(rows.empty());  // rows that keep() rejects are not parsed
  std::ofstream(p) << "id,family,dtype,K,z,A,mu\nr1,g,f64,2,1;0,1.5,0.7;0.3\n";
  const auto ok = ccnorm::corpus::load<double>(p.string(), all, parse);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].z, (std::vector<double>{1, 0}));
  EXPECT_EQ(ok[0].mu, (std::vector<double>{0.7, 0.3}));
}
