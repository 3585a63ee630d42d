# Sweep / merge / regions / report area (cli/cmd_sweep.cpp, cmd_merge.cpp, cmd_regions.cpp,
# cmd_report.cpp, bench/sweep/, plots/). test_sweep also drives the ccnorm executable (merge and a
# real SIGKILL of a running sweep), so it depends on it.
ccnorm_add_gtest(test_sweep SOURCES tests/test_sweep.cpp LABELS unit LIBS ccnorm_bench TIMEOUT 300)
target_compile_definitions(test_sweep PRIVATE CCNORM_EXE="$<TARGET_FILE:ccnorm>")
add_dependencies(test_sweep ccnorm)
# `ccnorm report --quick --no-bench` smoke test on fixture bench files (GPU section with and
# without a device); about a minute on 2 cores.
ccnorm_add_gtest(test_report SOURCES tests/test_report.cpp LABELS unit LIBS Boost::boost TIMEOUT 600 COST 200)
add_dependencies(test_report ccnorm)
target_compile_definitions(test_report PRIVATE CCNORM_EXE="$<TARGET_FILE:ccnorm>")
# The report's sections, summary.json and document model on fixture data (reporting/), and the
# max-dimension protocol on a tiny grid with planted failing algorithms (bench/regions.hpp).
ccnorm_add_gtest(test_report_sections SOURCES tests/test_report_sections.cpp LABELS unit LIBS ccnorm_report Boost::boost
                 TIMEOUT 60)
ccnorm_add_gtest(test_regions SOURCES tests/test_regions.cpp LABELS unit LIBS ccnorm_bench TIMEOUT 300)
