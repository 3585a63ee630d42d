# Accuracy of every algorithm against the frozen certified reference of the hard corpus
# (tests/data/hard_corpus.csv; tolerances in tests/data/tolerances.csv). See tests/test_accuracy.cpp.
#   test_accuracy       rows with K <= 1000   label accuracy
#   test_accuracy_slow  the K = 10^4 rows     label slow
# Each writes its table as CSV into the build directory (accuracy_results[_slow].csv).
ccnorm_add_gtest(test_accuracy SOURCES tests/test_accuracy.cpp LABELS accuracy LIBS ccnorm_reference ccnorm_io TIMEOUT 900)
target_compile_definitions(test_accuracy PRIVATE CCNORM_BUILD_DIR="${PROJECT_BINARY_DIR}")
ccnorm_add_gtest(test_accuracy_slow SOURCES tests/test_accuracy.cpp LABELS slow LIBS ccnorm_reference ccnorm_io TIMEOUT 1800)
target_compile_definitions(test_accuracy_slow PRIVATE CCNORM_BUILD_DIR="${PROJECT_BINARY_DIR}" CCNORM_ACCURACY_SLOW=1)
# normalizer/taylor_compensated.hpp (auto's path for f64 rows with the mean and spread in
# (max(8, K), 128]) against the certified reference. See tests/test_taylor_compensated.cpp.
ccnorm_add_gtest(test_taylor_compensated SOURCES tests/test_taylor_compensated.cpp LABELS accuracy unit LIBS ccnorm_reference TIMEOUT 600)
