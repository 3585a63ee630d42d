# The three baseline algorithms (closed-form, closed-form-scaled, sorted-difference).
# One source, three executables so that each gets its own CTest label:
#   test_baselines           (unit)      identities, K = 1 / K = 2 closed forms, pinned known failures
#   test_baselines_accuracy  (accuracy)  the published max computable dimension, closed-form-scaled f64
#   test_baselines_table     (slow)      the whole max-dimension table (3 algos x f64/f32 x 5 sigmas)
foreach(part unit accuracy slow)
  if(part STREQUAL "unit")
    set(_name test_baselines)
  elseif(part STREQUAL "accuracy")
    set(_name test_baselines_accuracy)
  else()
    set(_name test_baselines_table)
  endif()
  ccnorm_add_gtest(${_name} SOURCES tests/test_baselines.cpp LABELS ${part} LIBS ccnorm_reference)
  target_compile_definitions(${_name} PRIVATE CCNORM_BASELINES_PART_${part}=1)
endforeach()
