# ccnorm validate / golden vectors: the scorer must catch planted errors and reject malformed or
# misaligned files. Runs in-process on a small subset of reference/golden/golden.csv.
ccnorm_add_gtest(test_validate SOURCES tests/test_validate.cpp LABELS unit LIBS ccnorm_validate TIMEOUT 120)
# The golden generator in process: the committed small set regenerated (inputs and values equal),
# read back with certified radii, the provenance lines; about 5 s on 2 cores.
ccnorm_add_gtest(test_golden SOURCES tests/test_golden.cpp LABELS unit LIBS ccnorm_validate TIMEOUT 300 COST 10 ONE_PROCESS)
