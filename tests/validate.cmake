# ccnorm validate / golden vectors (issue 5): the scorer must catch planted errors and reject
# malformed or misaligned files. Runs in-process on a small subset of reference/golden/golden.csv.
ccnorm_add_gtest(test_validate SOURCES tests/test_validate.cpp LABELS unit LIBS ccnorm_reference fmt::fmt TIMEOUT 120)
