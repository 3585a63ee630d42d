# The SIMD batch path of auto (normalizer/lanes/): bitwise the scalar path on every Highway target
# the CPU supports. See tests/test_lanes.cpp.
if(CCNORM_LANES)
  ccnorm_add_gtest(test_lanes SOURCES tests/test_lanes.cpp LABELS unit TIMEOUT 600)
endif()
