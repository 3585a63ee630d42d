# auto across its internal cut-offs (no output jumps where the path changes), against the certified
# reference; tolerances in tests/data/continuity_tolerances.csv. See tests/test_continuity.cpp.
ccnorm_add_gtest(test_continuity SOURCES tests/test_continuity.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 300)
