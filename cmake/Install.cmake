# Install rules and the CMake package (README "Use from CMake"). Under the prefix (GNUInstallDirs):
#   include/ccnorm/normalizer/**.hpp     the header-only core, incl. normalizer/cuda/*.hpp
#   include/ccnorm/measures/*.hpp        the error measures (docs/design.md §3)
#   include/ccnorm/reference/reference.hpp  the reference's public header    (CCNORM_BUILD_REFERENCE)
#   lib/libccnorm_reference.a            ccnorm::reference                   (CCNORM_BUILD_REFERENCE)
#   lib/libccnorm_cuda.a                 ccnorm::cuda                        (CUDA enabled)
#   lib/libccnorm_lanes.a                ccnorm::lanes, SIMD batch of auto   (CCNORM_LANES)
#   bin/ccnorm                           the tool                            (CCNORM_BUILD_TOOLS)
#   share/ccnorm/plots/*.py, share/ccnorm/bench/peers/peers.py, share/ccnorm/reference/golden/*
#                                        the tool's run-time data (io/resources.hpp finds it)
#   lib/cmake/ccnorm/                    ccnormConfig.cmake, ccnormConfigVersion.cmake, the
#                                        exported targets and FindGMP/FindMPFR/FindArb
include(CMakePackageConfigHelpers)
set(CCNORM_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ccnorm)
# include/ccnorm/ is the include root of the installed headers (CCNORM_INSTALL_INCLUDEDIR, set at
# the top level): they include each other as "normalizer/...", and a directory named reference/
# directly under <prefix>/include would be a poor neighbour.

# ---- the core (component "ccnorm", always) ----
install(DIRECTORY ${PROJECT_SOURCE_DIR}/normalizer/ DESTINATION ${CCNORM_INSTALL_INCLUDEDIR}/normalizer
        COMPONENT ccnorm_development FILES_MATCHING PATTERN "*.hpp")
# the error measures of docs/design.md §3 (measures.hpp: header-only, the core's needs; mpfr.hpp:
# the MPFR reference types, for ccnorm::reference's users)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/measures/ DESTINATION ${CCNORM_INSTALL_INCLUDEDIR}/measures
        COMPONENT ccnorm_development FILES_MATCHING PATTERN "*.hpp")
install(TARGETS ccnorm_core EXPORT ccnorm-targets COMPONENT ccnorm_development)
install(EXPORT ccnorm-targets NAMESPACE ccnorm:: FILE ccnorm-targets.cmake
        DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)

# ---- component "reference" ----
if(CCNORM_BUILD_REFERENCE)
  install(FILES ${PROJECT_SOURCE_DIR}/reference/reference.hpp DESTINATION ${CCNORM_INSTALL_INCLUDEDIR}/reference
          COMPONENT ccnorm_development)
  install(TARGETS ccnorm_reference EXPORT ccnorm-reference-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ccnorm_development)
  install(EXPORT ccnorm-reference-targets NAMESPACE ccnorm:: FILE ccnorm-reference-targets.cmake
          DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/modules/FindGMP.cmake ${PROJECT_SOURCE_DIR}/cmake/modules/FindMPFR.cmake
                ${PROJECT_SOURCE_DIR}/cmake/modules/FindArb.cmake
          DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)
endif()

# ---- component "cuda" ----
if(CCNORM_CUDA_ENABLED)
  install(TARGETS ccnorm_cuda EXPORT ccnorm-cuda-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ccnorm_development)
  install(EXPORT ccnorm-cuda-targets NAMESPACE ccnorm:: FILE ccnorm-cuda-targets.cmake
          DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)
endif()

# ---- component "lanes" ----
if(CCNORM_LANES)
  install(TARGETS ccnorm_lanes EXPORT ccnorm-lanes-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ccnorm_development)
  install(EXPORT ccnorm-lanes-targets NAMESPACE ccnorm:: FILE ccnorm-lanes-targets.cmake
          DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)
endif()

# ---- the tool and its run-time data ----
if(CCNORM_BUILD_TOOLS)
  install(TARGETS ccnorm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ccnorm_runtime)
  foreach(f IN LISTS CCNORM_DATA_FILES)
    get_filename_component(d ${f} DIRECTORY)
    install(FILES ${PROJECT_SOURCE_DIR}/${f} DESTINATION ${CCNORM_DATA_INSTALL_DIR}/${d} COMPONENT ccnorm_runtime)
  endforeach()
endif()

# ---- the package files ----
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ccnormConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ccnormConfig.cmake
                              INSTALL_DESTINATION ${CCNORM_CMAKE_INSTALL_DIR})
# 0.x: minor versions may break the interface, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ccnormConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ccnormConfig.cmake ${PROJECT_BINARY_DIR}/ccnormConfigVersion.cmake
        DESTINATION ${CCNORM_CMAKE_INSTALL_DIR} COMPONENT ccnorm_development)
