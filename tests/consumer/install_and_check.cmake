# cmake -P script (tests/consumer.cmake, test consumer_install): installs the build tree BUILD
# into a fresh PREFIX with `cmake --install`, then checks the layout README "Install" documents
# and that the installed tool names no path of the tree it was built from (SOURCE).
#   -DBUILD=<build dir> -DPREFIX=<prefix> -DSOURCE=<source dir> [-DCONFIG=<config>]
#   -DBINDIR= -DLIBDIR= -DINCLUDEDIR= -DDATADIR=  (relative to the prefix; INCLUDEDIR: the include root)
#   [-DCLEAN=<dir to empty first: the prefix and the consumers' build dirs>]
#   [-DEXPECT_TOOLS=ON] [-DEXPECT_REFERENCE=ON] [-DEXPECT_CUDA=ON]
file(REMOVE_RECURSE ${PREFIX} ${CLEAN})
set(cfg)
if(CONFIG)
  set(cfg --config ${CONFIG})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX} ${cfg}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()

# the build's install directories, relative to the prefix (GNUInstallDirs as configured there)
foreach(v BINDIR LIBDIR INCLUDEDIR DATADIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pass -D${v}=<relative install dir>")
  endif()
endforeach()
set(expect
  ${INCLUDEDIR}/normalizer/normalizer.hpp
  ${INCLUDEDIR}/normalizer/dd.hpp
  ${INCLUDEDIR}/normalizer/cuda/gpu.hpp
  ${INCLUDEDIR}/normalizer/cuda/emulate.hpp
  ${LIBDIR}/cmake/ccnorm/ccnormConfig.cmake
  ${LIBDIR}/cmake/ccnorm/ccnormConfigVersion.cmake
  ${LIBDIR}/cmake/ccnorm/ccnorm-targets.cmake)
set(absent ${INCLUDEDIR}/normalizer/CMakeLists.txt ${INCLUDEDIR}/normalizer/cuda/kernels.cu
           ${INCLUDEDIR}/normalizer/lanes/auto_lanes.cpp ${INCLUDEDIR}/normalizer/lanes/CMakeLists.txt)
if(EXPECT_REFERENCE)
  list(APPEND expect ${INCLUDEDIR}/reference/reference.hpp ${LIBDIR}/libccnorm_reference.a
                     ${LIBDIR}/cmake/ccnorm/ccnorm-reference-targets.cmake
                     ${LIBDIR}/cmake/ccnorm/FindArb.cmake)
endif()
if(EXPECT_CUDA)
  list(APPEND expect ${LIBDIR}/libccnorm_cuda.a ${LIBDIR}/cmake/ccnorm/ccnorm-cuda-targets.cmake)
endif()
if(EXPECT_LANES)
  list(APPEND expect ${INCLUDEDIR}/normalizer/lanes/auto_lanes.hpp ${LIBDIR}/libccnorm_lanes.a
                     ${LIBDIR}/cmake/ccnorm/ccnorm-lanes-targets.cmake)
endif()
if(EXPECT_TOOLS)
  list(APPEND expect ${BINDIR}/ccnorm
                     ${DATADIR}/ccnorm/plots/common.py
                     ${DATADIR}/ccnorm/plots/plot_accuracy.py
                     ${DATADIR}/ccnorm/plots/plot_bench.py
                     ${DATADIR}/ccnorm/plots/plot_regions.py
                     ${DATADIR}/ccnorm/bench/peers/peers.py
                     ${DATADIR}/ccnorm/reference/golden/golden.csv)
endif()
set(missing)
foreach(f IN LISTS expect)
  if(NOT EXISTS ${PREFIX}/${f})
    list(APPEND missing ${f})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "not installed under ${PREFIX}: ${missing}")
endif()
foreach(f IN LISTS absent)
  if(EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "installed but should not be: ${PREFIX}/${f}")
  endif()
endforeach()

if(EXPECT_TOOLS)
  # No source path in the installed tool: its resources are found relative to the executable
  # (io/resources.hpp) and its provenance was recorded at build time (<ccnorm/build_info.hpp>).
  string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" source_re "${SOURCE}")
  file(STRINGS ${PREFIX}/${BINDIR}/ccnorm hits REGEX "${source_re}")
  if(hits)
    list(LENGTH hits n)
    list(SUBLIST hits 0 5 some)
    message(FATAL_ERROR "${PREFIX}/${BINDIR}/ccnorm holds ${n} string(s) naming ${SOURCE}: ${some}")
  endif()
endif()
list(LENGTH expect n)
message(STATUS "installed into ${PREFIX}: ${n} expected files present")
