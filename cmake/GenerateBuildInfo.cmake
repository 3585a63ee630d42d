# cmake -P script, run at every build (target ccnorm_build_info, see cmake/BuildInfo.cmake):
# writes OUT from cmake/build_info.hpp.in with the current git revision. configure_file only
# rewrites OUT when its content changes, so an unchanged revision recompiles nothing.
# Inputs (-D): SRC (source dir), OUT, TEMPLATE, VERSION, COMPILER, BUILD_TYPE, CXX_FLAGS.
set(CCNORM_BI_VERSION "${VERSION}")
set(CCNORM_BI_COMPILER "${COMPILER}")
set(CCNORM_BI_BUILD_TYPE "${BUILD_TYPE}")
string(REGEX REPLACE "  +" " " CCNORM_BI_CXX_FLAGS "${CXX_FLAGS}")
string(STRIP "${CCNORM_BI_CXX_FLAGS}" CCNORM_BI_CXX_FLAGS)
string(REPLACE "\"" "\\\"" CCNORM_BI_CXX_FLAGS "${CCNORM_BI_CXX_FLAGS}")
set(CCNORM_BI_GIT_SHA "")
set(CCNORM_BI_GIT_DIRTY false)
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SRC} rev-parse HEAD
                  OUTPUT_VARIABLE sha RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND sha MATCHES "^[0-9a-f]+$")
    set(CCNORM_BI_GIT_SHA "${sha}")
    execute_process(COMMAND ${GIT_EXECUTABLE} --no-optional-locks -C ${SRC} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE st RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(rc EQUAL 0 AND NOT st STREQUAL "")
      set(CCNORM_BI_GIT_DIRTY true)
    endif()
  endif()
endif()
configure_file(${TEMPLATE} ${OUT} @ONLY)
