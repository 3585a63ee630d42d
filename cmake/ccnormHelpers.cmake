# Helpers for ccnorm's own targets (README "Build options").

# ccnorm_project_target(TARGET [NATIVE] [NO_SOURCE_PATHS])
#   Compile options for a target of this project, never for what a consumer links:
#   - -Wall -Wextra (GNU/Clang, C++ sources; without GCC 12's false -Wrestrict, see below);
#   - NATIVE: -march=native when CCNORM_NATIVE is ON. Only for the tool, its benchmarks and the
#     tests: the kernels call std::fma in their inner loops, which is a library call without a
#     target that has FMA. Never for an installed library (it must run on any CPU of its
#     architecture) and never in an INTERFACE (a consumer chooses its own -march);
#   - NO_SOURCE_PATHS: -fmacro-prefix-map=<source dir>/= so that __FILE__ (assertions, CUDA error
#     messages) names repository-relative paths: an installed binary holds no path of the tree it
#     was built from (debug info keeps full paths, for debuggers).
function(ccnorm_project_target tgt)
  cmake_parse_arguments(A "NATIVE;NO_SOURCE_PATHS" "" "" ${ARGN})
  set(gnu_like "$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang>")
  target_compile_options(${tgt} PRIVATE "$<${gnu_like}:-Wall;-Wextra>")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 at -O3 warns -Wrestrict inside libstdc++'s std::string (char_traits.h memcpy) for
    # plain string concatenations: a false positive of that compiler (GCC bug 105329).
    target_compile_options(${tgt} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>")
  endif()
  if(A_NATIVE AND CCNORM_NATIVE)
    target_compile_options(${tgt} PRIVATE "$<${gnu_like}:-march=native>")
  endif()
  if(A_NO_SOURCE_PATHS)
    target_compile_options(${tgt} PRIVATE "$<${gnu_like}:-fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=>")
  endif()
endfunction()

# ccnorm_require(FOUND_VAR "what needs it" OPTION "what provides it")
#   A component that is being built needs a dependency: fail the configure step when it is
#   missing, naming the option that asked for the component and the package that provides the
#   dependency (never a silent skip).
function(ccnorm_require found what option pkg)
  if(NOT ${found})
    message(FATAL_ERROR "ccnorm: ${what} (${option}=ON) needs ${pkg}, which was not found. "
                        "Install it, point CMAKE_PREFIX_PATH at it, or configure with -D${option}=OFF.")
  endif()
endfunction()

# ccnorm_stage_data(TARGET_NAME DEST_DIR SOURCE_ROOT REL_PATH...)
#   Copies the run-time data files (paths relative to SOURCE_ROOT) to DEST_DIR/REL_PATH at build
#   time, keeping the repository layout, into a custom target TARGET_NAME. The build tree then has
#   the same data layout as an install (<prefix>/share/ccnorm), so build/ccnorm finds its
#   resources the way an installed ccnorm does (io/resources.hpp).
function(ccnorm_stage_data name dest root)
  set(outs)
  foreach(rel ${ARGN})
    add_custom_command(OUTPUT ${dest}/${rel}
                       COMMAND ${CMAKE_COMMAND} -E copy_if_different ${root}/${rel} ${dest}/${rel}
                       DEPENDS ${root}/${rel}
                       COMMENT "" VERBATIM)
    list(APPEND outs ${dest}/${rel})
  endforeach()
  add_custom_target(${name} ALL DEPENDS ${outs})
endfunction()
