# Sweep / merge / regions / report area (cli/cmd_sweep.cpp, cmd_merge.cpp, cmd_regions.cpp,
# cmd_report.cpp, bench/sweep/, plots/). test_sweep also drives the ccnorm executable (merge and a
# real SIGKILL of a running sweep), so it depends on it.
ccnorm_add_gtest(test_sweep SOURCES tests/test_sweep.cpp LABELS unit LIBS ccnorm_reference TIMEOUT 300)
target_compile_definitions(test_sweep PRIVATE CCNORM_EXE="$<TARGET_FILE:ccnorm>")
add_dependencies(test_sweep ccnorm)
