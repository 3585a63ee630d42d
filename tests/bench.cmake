# `ccnorm bench` smoke test (unit): runs the real executable on a tiny grid and checks the JSON,
# the post-processed CSV/JSON and the subprocess peers (/usr/bin/python3 with scipy and mpmath).
# Registered only in a build that has `ccnorm bench` (CCNORM_BUILD_BENCH, on by default).
if(CCNORM_BUILD_BENCH)
  ccnorm_add_gtest(test_bench SOURCES tests/test_bench.cpp LABELS unit LIBS Boost::boost TIMEOUT 300 ONE_PROCESS)
  add_dependencies(test_bench ccnorm)
  target_compile_definitions(test_bench PRIVATE CCNORM_EXE="$<TARGET_FILE:ccnorm>")
else()
  message(STATUS "ccnorm: test_bench not registered (CCNORM_BUILD_BENCH=OFF: this build has no `ccnorm bench`)")
endif()
# The papers' rejection sampler, the baseline of the sampler benchmark (bench/rejection_sampler.hpp):
# acceptance 1/(K-1)! at tied logits, exactness against the library's moments, NaN after the cap.
ccnorm_add_gtest(test_rejection_sampler SOURCES tests/test_rejection_sampler.cpp LABELS unit TIMEOUT 120)
