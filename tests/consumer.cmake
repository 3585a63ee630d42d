# Packaging (README "Use from CMake" and "Install"), label unit:
#   consumer_install                 cmake --install into <build>/consumer/prefix; the layout, and no
#                                    source path in the installed tool (tests/consumer/install_and_check.cmake)
#   consumer_find_package_*          tests/consumer built against that prefix with find_package(ccnorm CONFIG):
#                                    core only (with /usr hidden from find_*: the core needs none of the
#                                    reference's or the tool's dependencies), core without OpenMP,
#                                    COMPONENTS reference, COMPONENTS cuda (when built with CUDA), COMPONENTS
#                                    lanes (when built with CCNORM_LANES)
#   consumer_add_subdirectory_*      tests/consumer with add_subdirectory(<source>): core only (nothing
#                                    else configured or built), and with the reference
#   consumer_installed_tool          the installed tool, relocated and run outside the source tree, finds
#                                    its data; says where it looked when the data is gone; CCNORM_DATA_DIR
# Each consumer is configured, built and run by `ctest --build-and-test` (its own CMake project, the
# same compiler, Release, no flags of this build: in particular no -march=native).
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  message(STATUS "ccnorm: packaging/consumer tests not registered in this sanitizer build (the consumers are "
                 "separate projects built without the sanitizers; the release build runs them)")
  return()
endif()

set(_ccnorm_consumer_dir ${PROJECT_BINARY_DIR}/consumer)
set(_ccnorm_prefix ${_ccnorm_consumer_dir}/prefix)
add_test(NAME consumer_install
         COMMAND ${CMAKE_COMMAND} -DBUILD=${PROJECT_BINARY_DIR} -DPREFIX=${_ccnorm_prefix} -DCLEAN=${_ccnorm_consumer_dir}
                 -DSOURCE=${PROJECT_SOURCE_DIR} -DCONFIG=$<CONFIG> -DEXPECT_TOOLS=${CCNORM_BUILD_TOOLS}
                 -DEXPECT_REFERENCE=${CCNORM_BUILD_REFERENCE} -DEXPECT_CUDA=${CCNORM_CUDA_ENABLED}
                 -DEXPECT_LANES=${CCNORM_LANES}
                 -DBINDIR=${CMAKE_INSTALL_BINDIR} -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
                 -DINCLUDEDIR=${CCNORM_INSTALL_INCLUDEDIR} -DDATADIR=${CMAKE_INSTALL_DATADIR}
                 -P ${PROJECT_SOURCE_DIR}/tests/consumer/install_and_check.cmake)
set_tests_properties(consumer_install PROPERTIES LABELS unit TIMEOUT 300 FIXTURES_SETUP ccnorm_installed)

# ccnorm_consumer_test(NAME MODE [OPTIONS -D...])
function(ccnorm_consumer_test name mode)
  cmake_parse_arguments(C "" "" "OPTIONS" ${ARGN})
  add_test(NAME ${name}
           COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${PROJECT_SOURCE_DIR}/tests/consumer
                   ${_ccnorm_consumer_dir}/${name}
                   --build-generator ${CMAKE_GENERATOR} --build-makeprogram ${CMAKE_MAKE_PROGRAM}
                   --build-options -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
                                   -DCCNORM_CONSUMER_MODE=${mode} ${C_OPTIONS}
                   --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure --no-tests=error)
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 600 FIXTURES_REQUIRED ccnorm_installed)
endfunction()

set(_find -DCMAKE_PREFIX_PATH=${_ccnorm_prefix})
# /usr hidden from find_package/find_library/find_path: Boost, GMP, MPFR, Arb, fmt... cannot be found
set(_hide_usr -DCMAKE_IGNORE_PREFIX_PATH=/usr -DCCNORM_CONSUMER_CORE_ONLY=ON)
ccnorm_consumer_test(consumer_find_package_core find_package OPTIONS ${_find} ${_hide_usr}
                     -DCCNORM_CONSUMER_EXPECT_OPENMP=${CCNORM_OPENMP_ENABLED})
ccnorm_consumer_test(consumer_find_package_core_without_openmp find_package OPTIONS ${_find} ${_hide_usr}
                     -DCCNORM_USE_OPENMP=OFF -DCCNORM_CONSUMER_EXPECT_OPENMP=OFF)
if(CCNORM_BUILD_REFERENCE)
  ccnorm_consumer_test(consumer_find_package_reference find_package OPTIONS ${_find}
                       -DCCNORM_CONSUMER_COMPONENTS=reference)
endif()
if(CCNORM_CUDA_ENABLED)
  get_filename_component(_cuda_root ${CUDAToolkit_BIN_DIR} DIRECTORY)
  ccnorm_consumer_test(consumer_find_package_cuda find_package OPTIONS ${_find} -DCUDAToolkit_ROOT=${_cuda_root}
                       -DCCNORM_CONSUMER_COMPONENTS=cuda)
endif()
if(CCNORM_LANES)
  ccnorm_consumer_test(consumer_find_package_lanes find_package OPTIONS ${_find} -DCCNORM_CONSUMER_COMPONENTS=lanes)
endif()
set(_subdir -DCCNORM_CONSUMER_SOURCE_DIR=${PROJECT_SOURCE_DIR})
ccnorm_consumer_test(consumer_add_subdirectory_core add_subdirectory OPTIONS ${_subdir} ${_hide_usr}
                     -DCCNORM_CONSUMER_EXPECT_OPENMP=${CCNORM_OPENMP_ENABLED})
if(CCNORM_LANES)
  ccnorm_consumer_test(consumer_add_subdirectory_lanes add_subdirectory OPTIONS ${_subdir} -DCCNORM_CONSUMER_COMPONENTS=lanes)
endif()
if(CCNORM_BUILD_REFERENCE)
  ccnorm_consumer_test(consumer_add_subdirectory_reference add_subdirectory OPTIONS ${_subdir}
                       -DCCNORM_CONSUMER_COMPONENTS=reference)
endif()

if(CCNORM_BUILD_TOOLS AND CCNORM_BUILD_BENCH)
  add_test(NAME consumer_installed_tool
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/consumer/run_installed_tool.sh ${_ccnorm_prefix}
                   ${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_DATADIR})
  set_tests_properties(consumer_installed_tool PROPERTIES LABELS unit TIMEOUT 300 FIXTURES_REQUIRED ccnorm_installed)
endif()
