# The three baseline algorithms (closed-form, closed-form-scaled, sorted-difference).
# One source, two executables so that each gets its own CTest label:
#   test_baselines           (unit)      identities, K = 1 / K = 2 closed forms, Boost.Multiprecision
#                                        instantiations, pinned known failures
#   test_baselines_accuracy  (accuracy)  the max computable dimension table (docs/design.md §3) against
#                                        the published figures in tests/data/baseline_max_dimension.csv
ccnorm_add_gtest(test_baselines SOURCES tests/test_baselines.cpp LABELS unit LIBS ccnorm_bench TIMEOUT 120)
target_compile_definitions(test_baselines PRIVATE CCNORM_BASELINES_PART_unit=1)
ccnorm_add_gtest(test_baselines_accuracy SOURCES tests/test_baselines.cpp LABELS accuracy LIBS ccnorm_bench
                 TIMEOUT 300)
target_compile_definitions(test_baselines_accuracy PRIVATE CCNORM_BASELINES_PART_accuracy=1)
