# Accuracy of every algorithm against the frozen certified reference of the hard corpus
# (tests/data/hard_corpus.csv; tolerances in tests/data/tolerances.csv). See tests/test_accuracy.cpp.
#   test_accuracy       rows with K <= 1000   label accuracy
#   test_accuracy_slow  the K = 10^4 rows     label slow
# Each writes its table as CSV into the build directory (accuracy_results[_slow].csv).
ccnorm_add_gtest(test_accuracy SOURCES tests/test_accuracy.cpp LABELS accuracy LIBS ccnorm_reference ccnorm_io TIMEOUT 900)
target_compile_definitions(test_accuracy PRIVATE CCNORM_BUILD_DIR="${PROJECT_BINARY_DIR}")
ccnorm_add_gtest(test_accuracy_slow SOURCES tests/test_accuracy.cpp LABELS slow LIBS ccnorm_reference ccnorm_io TIMEOUT 1800)
target_compile_definitions(test_accuracy_slow PRIVATE CCNORM_BUILD_DIR="${PROJECT_BINARY_DIR}" CCNORM_ACCURACY_SLOW=1)
