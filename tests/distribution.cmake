# The rest of the distribution (normalizer/distribution.hpp, sample.hpp) against the certified
# reference computed at test time from the hard corpus (tests/test_distribution.cpp), and the
# sampler's statistical tests (tests/test_sample.cpp).
#   test_distribution        K <= 1000 rows, covariance/hvp/entropy/KL   label accuracy
#   test_distribution_slow   the K = 10^4 spot rows (variances, 3 columns) label slow
ccnorm_add_gtest(test_distribution SOURCES tests/test_distribution.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 1200 COST 300)
target_compile_definitions(test_distribution PRIVATE CCNORM_BUILD_DIR="${CMAKE_BINARY_DIR}")
ccnorm_add_gtest(test_distribution_slow SOURCES tests/test_distribution.cpp LABELS slow LIBS ccnorm_reference TIMEOUT 1800 COST 150)
target_compile_definitions(test_distribution_slow PRIVATE CCNORM_BUILD_DIR="${CMAKE_BINARY_DIR}" CCNORM_DISTRIBUTION_SLOW=1)
ccnorm_add_gtest(test_sample SOURCES tests/test_sample.cpp LABELS unit LIBS ccnorm_reference TIMEOUT 600)
