# auto-cr (normalizer/auto_cr.hpp): correct rounding of A, log C and mu against the certified
# reference on the golden vectors, random hard-family rows (CCNORM_CR_ROWS, default 1500) and
# tests/data/hard_to_round.csv; planted defects; the bound's constants against MPFR.
ccnorm_add_gtest(test_auto_cr SOURCES tests/test_auto_cr.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 900)
