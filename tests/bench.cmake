# `ccnorm bench` smoke test (unit): runs the real executable on a tiny grid and checks the JSON,
# the post-processed CSV/JSON and the subprocess peers (/usr/bin/python3 with scipy and mpmath).
# Registered only in a build that has `ccnorm bench` (CCNORM_BUILD_BENCH, on by default).
if(CCNORM_BUILD_BENCH)
  ccnorm_add_gtest(test_bench SOURCES tests/test_bench.cpp LABELS unit LIBS Boost::boost TIMEOUT 300)
  add_dependencies(test_bench ccnorm)
  target_compile_definitions(test_bench PRIVATE CCNORM_EXE="$<TARGET_FILE:ccnorm>")
else()
  message(STATUS "ccnorm: test_bench not registered (CCNORM_BUILD_BENCH=OFF: this build has no `ccnorm bench`)")
endif()
