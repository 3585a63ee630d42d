// ccnorm merge: merge sweep shard CSVs (schema checked, deduplicated by case key).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "bench/sweep/sweep.hpp"
#include "cli/command.hpp"
#include "io/stream.hpp"

namespace {

const char* kHelp =
    "usage: ccnorm merge OUT.csv IN.csv [IN.csv ...]\n"
    "\n"
    "Merges `ccnorm sweep` CSV files (e.g. the --shard i/n outputs of a batch array job) into OUT:\n"
    "every input's header must match the sweep schema (all the current schema, or all the older\n"
    "schema-1 header without the distribution columns: OUT then keeps it); a partial last line\n"
    "(killed writer) is\n"
    "dropped with a warning; rows are deduplicated by key (family,K,sigma,seed,algo,dtype) - two\n"
    "rows with the same key but different values are an error (exit 1). OUT is written in the\n"
    "canonical order, with its worst-input file <OUT without .csv>.worst.csv. OUT may be one of\n"
    "the inputs. OUT is locked (OUT.lock) as `ccnorm sweep` locks its output.\n"
    "Exit status: 0 merged, 1 conflicting rows or a malformed input (nothing written), 2 usage\n"
    "error, 3 a file could not be read or written, or OUT is locked by a sweep.\n";

int cmd_merge(int argc, char** argv) {
  using namespace ccnorm::sweep;
  if (ccnorm::cli::wants_help(argc, argv)) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (argc < 3) {
    std::fputs(kHelp, stderr);
    return 2;
  }
  const std::string out = argv[1];
  std::map<std::string, Row> rows;
  std::size_t dup = 0, conflicts = 0, read = 0;
  int schema = 0;
  std::string first;
  try {
    // no sweep (or other merge) may write OUT meanwhile; refuse when one holds it
    const OutputLock lock(out);
    for (int i = 2; i < argc; ++i) {
      const LoadResult lr = load_csv(argv[i]);
      if (!lr.existed) throw ccnorm::io::io_error(std::string("cannot read ") + argv[i] + ": " + std::strerror(ENOENT));
      if (schema == 0) schema = lr.schema, first = argv[i];
      if (lr.schema != schema)
        throw std::runtime_error(first + " has sweep schema " + std::to_string(schema) + " but " + argv[i] + " has schema " +
                                 std::to_string(lr.schema) +
                                 " (schema 1: no distribution columns); rerun the older shards with this ccnorm");
      if (lr.dropped_partial) std::fprintf(stderr, "merge: %s: dropped a partial last line\n", argv[i]);
      for (const auto& r : lr.rows) {
        ++read;
        auto [it, fresh] = rows.emplace(r.key(), r);
        if (fresh) continue;
        ++dup;
        if (it->second.line() != r.line()) {
          ++conflicts;
          std::fprintf(stderr, "merge: conflicting rows for key %s:\n  %s\n  %s\n", r.key().c_str(),
                       it->second.line().c_str(), r.line().c_str());
        }
      }
    }
    if (conflicts) {
      std::fprintf(stderr, "merge: %zu conflicting keys; nothing written\n", conflicts);
      return 1;
    }
    std::vector<Row> v;
    v.reserve(rows.size());
    for (auto& [k, r] : rows) v.push_back(std::move(r));
    write_sorted(out, v);
    if (write_worst(worst_path(out), v))
      std::fprintf(stderr, "merge: warning: some worst inputs could not be regenerated (generator mismatch)\n");
    std::fprintf(stderr, "merge: %zu rows read, %zu duplicates dropped, %zu rows -> %s%s\n", read, dup, v.size(),
                 out.c_str(), schema == 1 ? " (schema 1: the inputs have no distribution columns)" : "");
  } catch (const ccnorm::io::io_error& e) {
    std::fprintf(stderr, "ccnorm merge: %s\n", e.what());
    return ccnorm::io::kExitIo;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccnorm merge: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

CCNORM_COMMAND("merge", "merge sweep shard CSVs (schema check, dedupe by key)", cmd_merge);
