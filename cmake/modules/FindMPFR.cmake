# FindMPFR: GNU MPFR (Debian: libmpfr-dev); needs GMP.
# Result: MPFR_FOUND, MPFR_INCLUDE_DIR, MPFR_LIBRARY and the imported target MPFR::MPFR (links GMP::GMP).
# Installed with ccnorm's CMake package (lib/cmake/ccnorm/) for ccnorm::reference's users.
include(FindPackageHandleStandardArgs)
if(NOT GMP_FOUND)
  find_package(GMP QUIET)
endif()
find_path(MPFR_INCLUDE_DIR mpfr.h)
find_library(MPFR_LIBRARY mpfr)
find_package_handle_standard_args(MPFR REQUIRED_VARS MPFR_LIBRARY MPFR_INCLUDE_DIR GMP_FOUND)
if(MPFR_FOUND AND NOT TARGET MPFR::MPFR)
  add_library(MPFR::MPFR UNKNOWN IMPORTED)
  set_target_properties(MPFR::MPFR PROPERTIES IMPORTED_LOCATION "${MPFR_LIBRARY}"
                                               INTERFACE_INCLUDE_DIRECTORIES "${MPFR_INCLUDE_DIR}"
                                               INTERFACE_LINK_LIBRARIES GMP::GMP)
endif()
mark_as_advanced(MPFR_INCLUDE_DIR MPFR_LIBRARY)
