# Reliability (docs/design.md §4.11): I/O errors, the sweep's output lock and writability check,
# escaped input bytes, a byte order mark, strict --threads; the CLI run as subprocesses.
ccnorm_add_gtest(test_reliability_cli SOURCES tests/test_reliability_cli.cpp LABELS unit TIMEOUT 300)
if(TARGET test_reliability_cli)
  target_compile_definitions(test_reliability_cli PRIVATE CCNORM_BIN="$<TARGET_FILE:ccnorm>")
  add_dependencies(test_reliability_cli ccnorm)
endif()
# The soak test: 10^7 hard rows through auto in both dtypes, the invariants of
# tests/fuzz/kernel_invariants.hpp on every row (CCNORM_SOAK_ROWS overrides the count).
ccnorm_add_gtest(test_soak SOURCES tests/test_soak.cpp LABELS slow TIMEOUT 900 COST 140)
# The Slurm example (examples/slurm/) on a one-node cluster that the test starts and stops
# (installing slurm-wlm and munge when missing: root; without root and without them it fails,
# saying so). Label slurm; about 15 s (the requeued shard is made eligible at once).
if(NOT CCNORM_TEST_LABELS OR "slurm" IN_LIST CCNORM_TEST_LABELS)
  add_test(NAME slurm_array_sweep COMMAND bash ${PROJECT_SOURCE_DIR}/tests/slurm/run.sh $<TARGET_FILE:ccnorm>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(slurm_array_sweep PROPERTIES LABELS slurm TIMEOUT 900 RUN_SERIAL TRUE COST 20)
endif()
