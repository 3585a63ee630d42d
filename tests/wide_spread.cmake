# auto on wide spreads (normalizer/separated.hpp) against the certified reference; tolerances in
# tests/data/wide_spread_tolerances.csv. See tests/test_wide_spread.cpp.
ccnorm_add_gtest(test_wide_spread SOURCES tests/test_wide_spread.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 900)
