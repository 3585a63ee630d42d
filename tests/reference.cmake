# Certified reference (Arb balls) and its independent MPFR closed-form cross-check.
ccnorm_add_gtest(test_reference SOURCES ${CMAKE_SOURCE_DIR}/tests/test_reference.cpp LABELS unit LIBS ccnorm_reference TIMEOUT 300)
