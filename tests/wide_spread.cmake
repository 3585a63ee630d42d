# auto on wide spreads (normalizer/separated.hpp) against the certified reference; tolerances in
# tests/data/wide_spread_tolerances.csv. See tests/test_wide_spread.cpp.
ccnorm_add_gtest(test_wide_spread SOURCES tests/test_wide_spread.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 900)
# normalizer/three_nodes.hpp (auto's value path for three nodes of spread >= 8) against the
# certified reference, within the bound its header states. See tests/test_three_nodes.cpp.
ccnorm_add_gtest(test_three_nodes SOURCES tests/test_three_nodes.cpp LABELS accuracy unit LIBS ccnorm_reference TIMEOUT 600)
# normalizer/two_nodes.hpp (auto's path for two nodes of spread >= 8), the same way. See
# tests/test_two_nodes.cpp.
ccnorm_add_gtest(test_two_nodes SOURCES tests/test_two_nodes.cpp LABELS accuracy unit LIBS ccnorm_reference TIMEOUT 600)
# normalizer/saddle.hpp (many logits at a wide spread, the saddle-point quadrature) against the
# certified reference, within tests/data/saddle_tolerances.csv. See tests/test_saddle.cpp.
ccnorm_add_gtest(test_saddle SOURCES tests/test_saddle.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 900)
