# ccnorm_build_info: an INTERFACE target that provides the generated header
# <ccnorm/build_info.hpp> (version, git revision and dirty flag, compiler, build type, flags; see
# cmake/build_info.hpp.in). The header is regenerated at every build by cmake/GenerateBuildInfo.cmake
# (rewritten only when it changes), so the revision is that of the last build, not of the last
# configure, and nothing is read from the source tree when the binary runs.
#   ccnorm_add_build_info(CXX_FLAGS "<the tool's flags, human-readable>")
function(ccnorm_add_build_info)
  cmake_parse_arguments(A "" "CXX_FLAGS" "" ${ARGN})
  set(dir ${PROJECT_BINARY_DIR}/generated)
  set(out ${dir}/ccnorm/build_info.hpp)
  # the build type's flags, per configuration (multi-config generators choose at build time)
  set(configs Debug Release RelWithDebInfo MinSizeRel ${CMAKE_BUILD_TYPE} ${CMAKE_CONFIGURATION_TYPES})
  list(REMOVE_DUPLICATES configs)
  set(cfg_flags "")
  foreach(c IN LISTS configs)
    string(TOUPPER "${c}" C)
    string(APPEND cfg_flags "$<$<CONFIG:${c}>:${CMAKE_CXX_FLAGS_${C}}>")
  endforeach()
  add_custom_target(ccnorm_build_info_gen
    COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DOUT=${out}
            -DTEMPLATE=${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in -DVERSION=${PROJECT_VERSION}
            "-DCOMPILER=${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}" "-DBUILD_TYPE=$<CONFIG>"
            "-DCXX_FLAGS=${CMAKE_CXX_FLAGS} ${cfg_flags} ${A_CXX_FLAGS}"
            -P ${PROJECT_SOURCE_DIR}/cmake/GenerateBuildInfo.cmake
    BYPRODUCTS ${out}
    COMMENT "ccnorm: build provenance -> ${out}"
    VERBATIM)
  add_library(ccnorm_build_info INTERFACE)
  target_include_directories(ccnorm_build_info INTERFACE ${dir})
  add_dependencies(ccnorm_build_info ccnorm_build_info_gen)
endfunction()
