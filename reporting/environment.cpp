// ccnorm report: the environment of a run (compiler and flags of this build, CPU, date).
#include <unistd.h>

#include <fstream>

#include <ccnorm/build_info.hpp>

#include "io/provenance.hpp"
#include "reporting/report.hpp"

namespace ccnorm::report {

Environment probe_environment(const std::string& git_sha) {
  Environment e;
#if defined(__clang__)
  e.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  e.compiler = std::string("g++ ") + __VERSION__;
#else
  e.compiler = "unknown";
#endif
  // The flags as visible to the compiler (predefined macros), then those CMake used (recorded at
  // build time in <ccnorm/build_info.hpp>).
  std::string f;
#if defined(__OPTIMIZE__)
  f += "optimized (-O1 or higher)";
#else
  f += "-O0";
#endif
#if defined(NDEBUG)
  f += ", NDEBUG";
#endif
#if defined(__FAST_MATH__)
  f += ", -ffast-math(!)";
#endif
#if defined(_OPENMP)
  f += ", -fopenmp";
#endif
#if defined(__AVX512F__)
  f += ", AVX-512F";
#endif
#if defined(__AVX2__)
  f += ", AVX2";
#endif
#if defined(__FMA__)
  f += ", FMA";
#endif
  f += std::string("; CMake flags (") + build_info::build_type + "): " + build_info::cxx_flags;
  e.flags = f;
  {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("model name", 0) == 0) {
        e.cpu = line.substr(line.find(':') + 2);
        break;
      }
    e.cpu += " (" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " logical CPUs online)";
  }
  e.git_sha = git_sha.empty() ? "unknown" : git_sha;
  e.date = io::utc_timestamp();
  return e;
}

}  // namespace ccnorm::report
