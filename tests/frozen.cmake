# Frozen outputs (tests/test_frozen_outputs.cpp): every algorithm's outputs on the hard-corpus
# inputs, bitwise, against the hashes in tests/data/frozen_outputs.csv (one ctest entry per
# algorithm). Guards refactorings that must not change the numerics. Regenerate only when the
# numerics change on purpose (see the test's header comment).
#   test_frozen_outputs       rows with K <= 1000   label unit
#   test_frozen_outputs_slow  the K = 10^4 rows     label slow
ccnorm_add_gtest(test_frozen_outputs SOURCES tests/test_frozen_outputs.cpp LABELS unit TIMEOUT 300)
ccnorm_add_gtest(test_frozen_outputs_slow SOURCES tests/test_frozen_outputs.cpp LABELS slow TIMEOUT 900)
target_compile_definitions(test_frozen_outputs_slow PRIVATE CCNORM_FROZEN_SLOW=1)
