# The shared readers and writers (io/): CSV/JSON helpers, provenance line, registry table, result
# rows, corpus reader, file helpers.
ccnorm_add_gtest(test_io SOURCES tests/test_io.cpp LABELS unit LIBS ccnorm_io Boost::boost TIMEOUT 60)
