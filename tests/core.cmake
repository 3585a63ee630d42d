# Core library tests (lead): identities of docs/design.md §1 for taylor/auto/auto-precise,
# double-double building blocks, and the `ccnorm eval` interface incl. bad input.
ccnorm_add_gtest(test_taylor SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_taylor.cpp LABELS unit LIBS ccnorm_reference)
ccnorm_add_gtest(test_dd SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_dd.cpp LABELS unit LIBS ccnorm_reference)
ccnorm_add_gtest(test_eval_cli SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_eval_cli.cpp LABELS unit)
target_compile_definitions(test_eval_cli PRIVATE CCNORM_BIN="$<TARGET_FILE:ccnorm>")
add_dependencies(test_eval_cli ccnorm)
# The batch API with a status per row, the registry and the parameterisations.
ccnorm_add_gtest(test_batch SOURCES tests/test_batch.cpp LABELS unit)
ccnorm_add_gtest(test_covariance_structure SOURCES tests/test_covariance_structure.cpp LABELS unit)
