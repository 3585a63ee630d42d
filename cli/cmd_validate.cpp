// ccnorm validate: score another implementation's outputs against the certified reference.
// The logic lives in validate/validate.hpp (shared with tests/test_validate.cpp).
#include "cli/command.hpp"
#include "validate/validate.hpp"

namespace {
int cmd_validate(int argc, char** argv) { return ccnorm::validate::run(argc, argv); }
}  // namespace

CCNORM_COMMAND("validate", "score another implementation's outputs against the certified reference", cmd_validate);
