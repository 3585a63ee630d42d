// ccnorm._core.validate_run: the golden-vector scorer of `ccnorm validate` (docs/design.md §4.8,
// §5.11), bound as the command itself so that Python and the CLI cannot drift apart.
//
// This is the ONE place the Python package touches the scorer: ccnorm.validate() (ccnorm/__init__.py)
// writes its array inputs to files, calls validate_run with the CLI's arguments (including
// --json OUT) and returns the parsed scorecard. The scorer is the library ccnorm_validate
// (validate/validate.hpp: parse_args + run, as cli/cmd_validate.cpp calls them).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "validate/validate.hpp"

namespace py = pybind11;

namespace {

// validate_run(args) -> (exit_status, stdout_text, stderr_text); args excludes the program name.
py::tuple validate_run(std::vector<std::string> args) {
  args.insert(args.begin(), "validate");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* obuf = nullptr;
  char* ebuf = nullptr;
  std::size_t olen = 0, elen = 0;
  std::FILE* out = open_memstream(&obuf, &olen);
  std::FILE* err = open_memstream(&ebuf, &elen);
  if (!out || !err) throw std::runtime_error("validate: open_memstream failed");
  int rc = 2;
  std::string exc;
  {
    py::gil_scoped_release nogil;
    try {
      ccnorm::validate::Options o;
      rc = ccnorm::validate::parse_args(static_cast<int>(args.size()), argv.data(), o, err);
      if (rc == 3) rc = 0;  // --help: nothing to score
      else if (rc == 0) rc = ccnorm::validate::run(o, out, err);
    } catch (const std::exception& e) {
      exc = e.what();
    }
  }
  std::fclose(out);
  std::fclose(err);
  std::string o(obuf ? obuf : "", olen), e(ebuf ? ebuf : "", elen);
  std::free(obuf);
  std::free(ebuf);
  if (!exc.empty()) throw std::runtime_error("validate: " + exc);
  return py::make_tuple(rc, o, e);
}

}  // namespace

void ccnorm_py_bind_validate(py::module_& m) {
  m.def("validate_run", &validate_run, py::arg("args"),
        "Run the scorer of `ccnorm validate` with these command-line arguments; returns (status, stdout, stderr).");
}
