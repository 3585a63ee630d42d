// ccnorm io: the provenance line (see provenance.hpp).
#include "io/provenance.hpp"

#include <ctime>

#include "io/json.hpp"

#ifndef CCNORM_VERSION
#error "CCNORM_VERSION must be defined (io/CMakeLists.txt passes PROJECT_VERSION)"
#endif

namespace ccnorm::io {

std::string ccnorm_version() { return CCNORM_VERSION; }

std::string provenance_line(const Provenance& p) {
  std::string s = p.tool + " (";
  if (!p.libraries.empty()) s += p.libraries + "; ";
  s += "ccnorm " + ccnorm_version() + ")";
  if (!p.git.empty()) s += "; git: " + p.git;
  if (!p.date.empty()) s += "; date: " + p.date;
  return s;
}

std::string provenance_json(const Provenance& p) {
  std::string s = "\"tool\":" + json_string(p.tool) + ",\"version\":" + json_string(ccnorm_version());
  if (!p.git.empty()) s += ",\"git\":" + json_string(p.git);
  if (!p.date.empty()) s += ",\"date\":" + json_string(p.date);
  if (!p.libraries.empty()) s += ",\"versions\":" + json_string(p.libraries);
  return s;
}

namespace {
std::string utc(const char* format) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[64];
  std::strftime(b, sizeof b, format, &tm);
  return b;
}
}  // namespace

std::string utc_date() { return utc("%Y-%m-%d"); }
std::string utc_timestamp() { return utc("%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace ccnorm::io
