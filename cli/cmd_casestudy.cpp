// ccnorm casestudy: the case studies of the seed paper with an exact normaliser (README "Case
// studies"). A thin front door: runs `/usr/bin/python3 -m ccnorm.casestudy ARGS...` (the Python
// package's ccnorm.casestudy.runner does the work) and passes its exit status through.
//
// The package is found as Python finds it; when this executable sits in a build tree that holds
// the built package (build/python/ccnorm), that directory is put first on PYTHONPATH, so a build
// runs its own package rather than another installed copy. CCNORM_GIT_SHA tells the study which
// revision this binary was built from (recorded in results.json).
//
// --print-section DIR renders the report's case-study section (reporting/casestudy.cpp) from
// DIR/casestudy/results.json as Markdown on stdout, without training anything.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "io/process.hpp"
#include "reporting/report.hpp"

namespace fs = std::filesystem;

namespace {

const char* kHelp =
    "usage: ccnorm casestudy [--quick] [--out DIR] [--jobs N] [--python PATH] [STUDY OPTIONS...]\n"
    "       ccnorm casestudy --print-section DIR\n"
    "\n"
    "The seed paper's case studies with an exact CC normaliser, on the CPU with PyTorch:\n"
    "  label smoothing  digits (sklearn 8x8) and Fashion-MNIST; arms: cross-entropy (CE), label-\n"
    "                   smoothed CE (LS, eps 0.1), the CC likelihood of the smoothed target with\n"
    "                   ccnorm (CC), the papers' CC loss as published (closed form, fallback to CE)\n"
    "  distillation     a cached teacher per dataset; students on softmax(teacher/T), T = 1, 4, 16;\n"
    "                   arms CE, CC (ccnorm), CC (published)\n"
    "Metrics: test accuracy (epoch chosen on validation accuracy; the papers' max test accuracy\n"
    "beside it), NLL and 15-bin ECE of softmax(z) and of the CC mean, student-teacher KL, the\n"
    "published loss's fallback fraction per epoch and its normaliser error on training logits\n"
    "against ccnorm's certified path, logit-gap histograms, training time per epoch.\n"
    "\n"
    "Writes DIR/casestudy/ (default DIR: report): results.json, summary.md, PNGs, runs/<id>.json\n"
    "and .csv per run (docs/design.md §5.14). A rerun into the same DIR skips finished runs and\n"
    "continues a partial one. --quick: digits only, 3 seeds, 30 epochs (a few minutes on 2 cores);\n"
    "default: digits + Fashion-MNIST, 5 seeds (under an hour on 2 cores with --jobs 2).\n"
    "\n"
    "  --quick           the short study\n"
    "  --out DIR         output root (files in DIR/casestudy/)\n"
    "  --jobs N          runs in parallel, one thread each (default 1)\n"
    "  --python PATH     the interpreter (default /usr/bin/python3); it must import ccnorm and torch\n"
    "  --print-section DIR  print the report section of DIR/casestudy/results.json (Markdown)\n"
    "Every other option goes to `python3 -m ccnorm.casestudy` (its --help lists them: --seeds,\n"
    "--datasets, --studies, --arms, --epochs, --temperatures, --no-figures, --aggregate-only).\n"
    "Exit status: that of the study (0 all runs finished, 1 a run or figure failed, 2 usage error).\n";

int print_section(const std::string& dir) {
  ccnorm::report::Document d;
  const auto cs = ccnorm::report::read_casestudy(dir + "/casestudy/results.json");
  ccnorm::report::section_casestudy(d, cs);
  std::fputs(d.markdown().c_str(), stdout);
  return cs.status.empty() ? 0 : 1;
}

int cmd_casestudy(int argc, char** argv) {
  using namespace ccnorm::cli;
  std::string python = default_python();
  std::vector<std::string> pass;
  bool help = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--python") python = value_of(argc, argv, i);
      else if (a == "--print-section") return print_section(value_of(argc, argv, i));
      else if (a == "-h" || a == "--help") help = true;
      else pass.push_back(a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm casestudy: %s\n", e.what());
    return 2;
  }
  if (help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  // a build tree's own package first (build/ccnorm next to build/python/ccnorm)
  std::error_code ec;
  const fs::path pkg = fs::path(self_exe()).parent_path() / "python";
  if (fs::exists(pkg / "ccnorm" / "__init__.py", ec)) {
    const char* old = std::getenv("PYTHONPATH");
    const std::string v = pkg.string() + (old && *old ? std::string(":") + old : std::string());
    setenv("PYTHONPATH", v.c_str(), 1);
  }
  const std::string sha = source_git_sha();
  if (!sha.empty()) setenv("CCNORM_GIT_SHA", sha.c_str(), 0);
  std::vector<std::string> args{python, "-m", "ccnorm.casestudy"};
  args.insert(args.end(), pass.begin(), pass.end());
  const int st = ccnorm::io::run_process(args);
  if (st == 127) std::fprintf(stderr, "ccnorm casestudy: could not run %s (use --python PATH)\n", python.c_str());
  return st;
}

}  // namespace

CCNORM_COMMAND("casestudy", "label smoothing and distillation with an exact CC normaliser (PyTorch, CPU)", cmd_casestudy);
