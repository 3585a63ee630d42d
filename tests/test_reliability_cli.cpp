// Reliability of the command-line tool (docs/design.md §4.11), run as subprocesses of bash:
// read and write errors are never ignored (a full disk, a directory or a closed descriptor as
// input, a reader that went away), a sweep locks its output and checks it can write before any
// work, input bytes in messages are escaped, a byte order mark is accepted, --threads is strict.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

struct Res {
  int rc;
  std::string out;  // stdout and stderr together, unless the command redirects them
  double seconds;
};

// Runs `cmd` under bash with $B set to the tool; rc is the exit status (-1 when killed).
Res sh(const std::string& cmd) {
  const std::string full = "B='" CCNORM_BIN "'; export B; " + cmd;
  const std::string wrapped = "bash -c '" + [&] {
    std::string q;
    for (char c : full) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q;
  }() + "' 2>&1";
  const auto t0 = std::chrono::steady_clock::now();
  FILE* p = popen(wrapped.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out, s};
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct TmpDir {
  fs::path p;
  TmpDir() {
    char t[] = "/tmp/ccnorm_rel_XXXXXX";
    p = mkdtemp(t);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::permissions(p, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(p, ec);
  }
  std::string operator/(const std::string& s) const { return (p / s).string(); }
};

// A sweep that takes about a second on one thread (large enough to overlap a second one).
const char* kSlowSweep =
    "--algos auto,taylor,closed-form --dtypes f64,f32 --families gaussian,ties --K 100,300,1000 "
    "--sigmas 1,100 --seeds 2 --no-progress --threads 1";
// shell: wait until the sweep started in the background holds the lock on out (its pid written)
std::string wait_lock(const std::string& out) {
  return "for i in $(seq 600); do [ -s '" + out + ".lock' ] && break; sleep 0.05; done; ";
}
const char* kQuickSweep = "--algos auto --dtypes f64 --families gaussian --K 2,3 --sigmas 1 --seeds 1 --no-progress";

}  // namespace

// ---- finding 1: read and write errors ----

TEST(ReliabilityIo, FullDiskIsAnErrorForEveryWriter) {
  for (const char* c : {"echo 1,2 | $B eval >/dev/full", "echo 1,2 | $B eval --grad --dtype f32 >/dev/full",
                        "echo 1,2 | $B reference >/dev/full", "$B algorithms >/dev/full", "$B eval --help >/dev/full",
                        "$B --help >/dev/full"}) {
    const Res r = sh(c);
    EXPECT_EQ(r.rc, 3) << c << "\n" << r.out;
    EXPECT_NE(r.out.find("error writing standard output"), std::string::npos) << c << "\n" << r.out;
  }
}

TEST(ReliabilityIo, DirectoryOrClosedStdinAsInputIsAnError) {
  TmpDir d;
  for (const char* sub : {"eval", "reference"}) {
    Res r = sh(std::string("$B ") + sub + " " + d.p.string());
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find("cannot read '" + d.p.string() + "': Is a directory"), std::string::npos) << r.out;
    r = sh(std::string("$B ") + sub + " <&-");
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find("cannot read standard input"), std::string::npos) << r.out;
    r = sh(std::string("$B ") + sub + " " + d.p.string() + "/absent.csv");
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find("absent.csv"), std::string::npos) << r.out;
  }
  Res r = sh("echo 1 > " + d / "res" + "; $B validate --cases " + d.p.string() + " --results " + d / "res");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("Is a directory"), std::string::npos) << r.out;
  r = sh("echo 1,2 > " + d / "cases" + "; echo 1.5413248546129181 > " + d / "one" + "; $B validate --cases " + d / "cases" +
         " --results " + d / "one" + " --json /dev/full");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("/dev/full"), std::string::npos) << r.out;
}

// With SIGPIPE ignored a write to a closed pipe fails with EPIPE: eval must stop at its next
// chunk, not evaluate an endless input.
TEST(ReliabilityIo, StopsWhenTheReaderIsGone) {
  const Res r = sh("trap '' PIPE; yes 1,2,3 | timeout 60 $B eval | head -1 >/dev/null; echo \"rc=${PIPESTATUS[1]}\"");
  EXPECT_NE(r.out.find("rc=3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Broken pipe"), std::string::npos) << r.out;
  EXPECT_LT(r.seconds, 30.0);
  const Res q = sh("trap '' PIPE; yes 1,2,3 | head -300000 | timeout 60 $B eval | head -1 >/dev/null; echo \"rc=${PIPESTATUS[2]}\"");
  EXPECT_NE(q.out.find("rc=3"), std::string::npos) << q.out;
}

// ---- finding 5: BOM, control bytes, NUL, --threads ----

TEST(ReliabilityInput, ByteOrderMarkOnLineOneIsAccepted) {
  TmpDir d;
  {
    std::ofstream(d / "bom.csv", std::ios::binary) << "\xEF\xBB\xBF" "1,2\n3,4\n";
    std::ofstream(d / "res.csv", std::ios::binary) << "\xEF\xBB\xBF" "1.5413248546129181\n3.5413248546129181\n";
  }
  Res r = sh("$B eval " + d / "bom.csv");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
  r = sh("$B reference " + d / "bom.csv");
  EXPECT_EQ(r.rc, 0) << r.out;
  r = sh("$B validate --cases " + d / "bom.csv" + " --results " + d / "res.csv");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
}

TEST(ReliabilityInput, ControlBytesAreEscapedAndNulDoesNotCutMessages) {
  TmpDir d;
  const std::string bad("1,a\x01\x1b[31m\x00tail\x7f\n", 15);
  std::ofstream(d / "bad.csv", std::ios::binary) << bad;
  std::ofstream(d / "res.csv", std::ios::binary) << std::string("x\x00y\x1b,2\n", 7);
  std::ofstream(d / "good.csv", std::ios::binary) << "1,2\n";
  for (const std::string& c : {"$B eval " + d / "bad.csv", "$B reference " + d / "bad.csv",
                              "$B validate --cases " + d / "bad.csv" + " --results " + d / "good.csv",
                              "$B validate --cases " + d / "good.csv" + " --results " + d / "res.csv" +
                                  " --results-format eval"}) {
    const Res r = sh(c);
    EXPECT_NE(r.rc, 0) << c;
    for (unsigned char ch : r.out) EXPECT_TRUE(ch == '\n' || (ch >= 0x20 && ch != 0x7f)) << c << ": byte " << int(ch);
    const bool results = c.find("res.csv") != std::string::npos;
    EXPECT_NE(r.out.find(results ? "x\\x00y\\x1b" : "a\\x01\\x1b[31m\\x00tail\\x7f"), std::string::npos) << c << "\n" << r.out;
  }
}

TEST(ReliabilityInput, ThreadsMustBeAPositiveInteger) {
  TmpDir d;
  std::ofstream(d / "c.csv") << "1,2\n";
  for (const char* bad : {"abc", "0", "-1", "3x", "", "99999999999"}) {
    for (const std::string& c :
         {std::string("$B eval --threads '") + bad + "' " + d / "c.csv", std::string("$B sweep --threads '") + bad + "' " + kQuickSweep + " --out " + d / "s.csv",
          "$B validate --cases " + d / "c.csv" + " --results " + d / "c.csv" + " --threads '" + std::string(bad) + "'",
          std::string("$B regions --threads '") + bad + "' --out " + d / "r", std::string("$B golden --threads '") + bad + "' --out " + d / "g",
          std::string("$B bench --threads '") + bad + "' --list", std::string("$B report --threads '") + bad + "' --out " + d / "rep"}) {
      const Res r = sh(c);
      EXPECT_EQ(r.rc, 2) << c << "\n" << r.out;
      EXPECT_NE(r.out.find("--threads must be a positive integer"), std::string::npos) << c << "\n" << r.out;
    }
  }
  EXPECT_FALSE(fs::exists(d / "s.csv"));
}

// ---- findings 2 and 3: the sweep's output ----

TEST(ReliabilitySweep, SecondSweepOnOneOutputRefusesAndNothingIsLost) {
  TmpDir d;
  Res ref = sh("$B sweep " + std::string(kSlowSweep) + " --out " + d / "ref.csv");
  ASSERT_EQ(ref.rc, 0) << ref.out;
  // the second starts while the first runs: it refuses (exit 3, a message naming the file)
  const Res both = sh("$B sweep " + std::string(kSlowSweep) + " --out " + d / "s.csv" + " & " + wait_lock(d / "s.csv") + "$B sweep " +
                      kSlowSweep + " --out " + d / "s.csv" + "; echo \"second=$?\"; wait $!; echo \"first=$?\"");
  EXPECT_NE(both.out.find("second=3"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("first=0"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("is in use by another ccnorm sweep"), std::string::npos) << both.out;
  EXPECT_EQ(slurp(d / "s.csv"), slurp(d / "ref.csv"));
  // --wait: the second waits for the first, then finds everything done
  const Res waited = sh("$B sweep " + std::string(kSlowSweep) + " --out " + d / "w.csv" + " & " + wait_lock(d / "w.csv") + "$B sweep " +
                        kSlowSweep + " --wait --out " + d / "w.csv" + "; echo \"second=$?\"; wait $!; echo \"first=$?\"");
  EXPECT_NE(waited.out.find("second=0"), std::string::npos) << waited.out;
  EXPECT_NE(waited.out.find("first=0"), std::string::npos) << waited.out;
  EXPECT_EQ(slurp(d / "w.csv"), slurp(d / "ref.csv"));
  // a merge into a sweep's output while the sweep runs refuses too
  const Res m = sh("$B sweep " + std::string(kSlowSweep) + " --out " + d / "m.csv" + " & " + wait_lock(d / "m.csv") + "$B merge " + d / "m.csv" +
                   " " + d / "ref.csv" + "; echo \"merge=$?\"; wait $!");
  EXPECT_NE(m.out.find("merge=3"), std::string::npos) << m.out;
  EXPECT_EQ(slurp(d / "m.csv"), slurp(d / "ref.csv"));
}

TEST(ReliabilitySweep, FinalRewriteKeepsRowsItDidNotWrite) {
  TmpDir d;
  // rows of another configuration (another K) already in the file, one of them twice
  ASSERT_EQ(sh("$B sweep --algos auto --dtypes f64 --families gaussian --K 7 --sigmas 1 --seeds 2 --no-progress --out " +
               d / "a.csv").rc, 0);
  const std::string before = slurp(d / "a.csv");
  std::istringstream lines(before);
  std::string header, first_row;
  std::getline(lines, header);
  std::getline(lines, first_row);
  std::ofstream(d / "a.csv", std::ios::app) << first_row << '\n';
  ASSERT_EQ(sh("$B sweep " + std::string(kQuickSweep) + " --out " + d / "a.csv").rc, 0);
  const std::string after = slurp(d / "a.csv");
  std::istringstream is(before);
  std::string l;
  while (std::getline(is, l)) {
    EXPECT_NE(after.find(l + "\n"), std::string::npos) << "lost: " << l;
    const auto p = after.find(l + "\n");
    EXPECT_EQ(after.find(l + "\n", p + 1), std::string::npos) << "duplicated: " << l;
  }
  EXPECT_NE(after.find("gaussian,2,1,1,auto,f64"), std::string::npos);
}

TEST(ReliabilitySweep, UnwritableOutputIsFoundBeforeTheWork) {
  TmpDir d;
  fs::create_directory(d / "ro");
  // a writable file (and lock file) in a read-only directory: the final atomic rewrite could not
  // create its tmp file; that is checked first
  ASSERT_EQ(sh("$B sweep " + std::string(kQuickSweep) + " --out " + d / "ro/x.csv").rc, 0);
  std::ofstream(d / "ro/x.csv") << "family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A,err_H,err_var,err_cov,err_kl\n";
  const std::string as_user = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  ASSERT_EQ(sh("chmod 755 " + d.p.string() + "; chmod 666 " + d / "ro/x.csv" + " " + d / "ro/x.csv.lock" + "; chmod 555 " + d / "ro").rc, 0);
  for (const std::string& out : {d / "ro/x.csv", d / "ro/new.csv"}) {
    const Res r = sh(as_user + "$B sweep " + kSlowSweep + " --out " + out);
    EXPECT_EQ(r.rc, 3) << r.out;
    EXPECT_NE(r.out.find(d / "ro/"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.out;
  }
  // nothing was evaluated: before the fix the rows were appended and the run failed only at its
  // final rewrite
  EXPECT_EQ(slurp(d / "ro/x.csv"), "family,K,sigma,seed,algo,dtype,hash,err_A,err_mu,ulps_A,err_H,err_var,err_cov,err_kl\n");
  EXPECT_FALSE(fs::exists(d / "ro/new.csv"));
}

TEST(ReliabilitySweep, IoErrorsAreNotTheRetryStatus) {
  TmpDir d;
  std::ofstream(d / "notsweep.csv") << "a,b\n1,2\n";
  Res r = sh("$B sweep " + std::string(kQuickSweep) + " --out " + d / "notsweep.csv");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("notsweep.csv"), std::string::npos) << r.out;
  fs::create_directory(d / "dir.csv");
  r = sh("$B sweep " + std::string(kQuickSweep) + " --out " + d / "dir.csv");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("dir.csv"), std::string::npos) << r.out;
  r = sh("$B merge " + d / "m.csv" + " " + d / "absent.csv");
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("absent.csv"), std::string::npos) << r.out;
}

// ---- resource limits: a row that would take hours or exhaust memory is an error row ----

TEST(ReliabilityLimits, CostlyOrHugeRowsAreErrorRows) {
  // taylor at spread 1e10 would run ~1e10 series degrees (hours): refused at once
  Res r = sh("printf '1e10,0\\n1,2\\n' | timeout 60 $B eval --algo taylor");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("error: line 1: row too costly"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.5413248546129181,0.77193683290530457"), std::string::npos) << r.out;
  EXPECT_LT(r.seconds, 10.0);
  r = sh("printf '1,2,3\\n1,2\\n' | $B eval --max-k 2");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("error: line 1: row too large: K = 3 exceeds --max-k 2"), std::string::npos) << r.out;
  // a line longer than 64 max-k + 4096 bytes is never held whole
  r = sh("{ head -c 300000 /dev/zero | tr '\\\\0' '1'; echo; echo 3,4; } | $B eval --max-k 10");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("error: line 1: row too large: line longer than 4736 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3.5413248546129181"), std::string::npos) << r.out;
  r = sh("printf '1e6,0,3\\n' | $B eval --algo auto-precise --max-row-work 1e6");
  EXPECT_NE(r.out.find("exceeds --max-row-work"), std::string::npos) << r.out;
  r = sh("printf '0,1\\n' | $B eval --algo sorted-difference --grad --max-row-memory 10");
  EXPECT_NE(r.out.find("exceeds --max-row-memory"), std::string::npos) << r.out;
  for (const char* bad : {"abc", "0", "-5", "1e", ""}) {
    r = sh(std::string("$B eval --max-k '") + bad + "' </dev/null");
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find("--max-k must be a number >= 1"), std::string::npos) << r.out;
  }
  // the default caps leave ordinary rows alone: K = 10^4 at spread 100 with the mean
  r = sh("/usr/bin/python3 -c \"import random; random.seed(1); print(','.join(str(random.gauss(0, 30)) for _ in range(10000)))\" | $B eval --grad | cut -c1-40");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
}
