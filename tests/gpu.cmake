# GPU (normalizer/cuda/: kernels, launch logic, row_mappings.hpp; the series core normalizer/series/).
#   test_gpu_launch       launch logic (mapping, geometry, tail rows, chunking) and the host replay
#                         of the kernels' arithmetic on random inputs          label unit   (always)
#   test_gpu_replay       host replay of the kernels on the certified corpus (K <= 1000) and on
#                         wide rows certified at run time                      label accuracy (always)
#   test_gpu_replay_slow  the same for the corpus rows with K > 1000 and the wide rows with the
#                         mean                                                 label slow (always)
#   test_gpu              the CUDA kernels on a device vs the corpus and vs auto-precise; registered
#                         only when CUDA is enabled; skipped (GTEST_SKIP, reported by ctest as
#                         skipped) where no device exists                     label gpu
ccnorm_add_gtest(test_gpu_launch SOURCES tests/test_gpu_launch.cpp LABELS unit)
ccnorm_add_gtest(test_gpu_replay SOURCES tests/test_gpu_replay.cpp LABELS accuracy LIBS ccnorm_reference TIMEOUT 900)
ccnorm_add_gtest(test_gpu_replay_slow SOURCES tests/test_gpu_replay.cpp LABELS slow LIBS ccnorm_reference TIMEOUT 1800)
target_compile_definitions(test_gpu_replay_slow PRIVATE CCNORM_GPU_REPLAY_SLOW=1)
if(CCNORM_CUDA_ENABLED)
  ccnorm_add_gtest(test_gpu SOURCES tests/test_gpu.cpp LABELS gpu LIBS ccnorm_cuda ccnorm_reference TIMEOUT 900)
endif()
# The standalone device check (bench/gpu/device_check.sh, CUDA + CMake + g++ only) must keep
# building from this tree (BUILD_ONLY=1), and its driver's host part (corpus parsing, flop
# counts; --host-only) must run. The device part is the script itself, on a machine with a GPU.
if(CCNORM_CUDA_ENABLED)
  add_test(NAME device_check_builds
           COMMAND env BUILD_ONLY=1 BUILD_DIR=${PROJECT_BINARY_DIR}/device_check_build
                   bash ${PROJECT_SOURCE_DIR}/bench/gpu/device_check.sh ${PROJECT_BINARY_DIR}/device_check_out)
  set_tests_properties(device_check_builds PROPERTIES LABELS unit TIMEOUT 600 FIXTURES_SETUP device_check_bin)
  add_test(NAME device_check_host_part
           COMMAND ${PROJECT_BINARY_DIR}/device_check_build/device_check ${PROJECT_SOURCE_DIR}
                   ${PROJECT_BINARY_DIR}/device_check_out --host-only)
  set_tests_properties(device_check_host_part PROPERTIES LABELS unit TIMEOUT 300 FIXTURES_REQUIRED device_check_bin
                       PASS_REGULAR_EXPRESSION "corpus: [1-9][0-9]* rows with K <= 1000 parsed"
                       FAIL_REGULAR_EXPRESSION "device_check: ")
endif()
