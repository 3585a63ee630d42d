# Certified reference (Arb balls), its independent MPFR closed-form cross-checks, and ccnorm_freeze.
ccnorm_add_gtest(test_reference SOURCES ${PROJECT_SOURCE_DIR}/tests/test_reference.cpp LABELS unit LIBS ccnorm_reference TIMEOUT 300)
add_dependencies(test_reference ccnorm_freeze)
target_compile_definitions(test_reference PRIVATE CCNORM_FREEZE_EXE="$<TARGET_FILE:ccnorm_freeze>")
# The certified reference of the rest of the distribution (covariance, entropy, KL, marginals).
ccnorm_add_gtest(test_reference_distribution SOURCES tests/test_reference_distribution.cpp LABELS unit LIBS ccnorm_reference TIMEOUT 300)
