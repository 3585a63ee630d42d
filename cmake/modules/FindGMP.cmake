# FindGMP: the GNU multiple precision library (Debian: libgmp-dev).
# Result: GMP_FOUND, GMP_INCLUDE_DIR, GMP_LIBRARY and the imported target GMP::GMP.
# Installed with ccnorm's CMake package (lib/cmake/ccnorm/) for ccnorm::reference's users.
include(FindPackageHandleStandardArgs)
find_path(GMP_INCLUDE_DIR gmp.h)
find_library(GMP_LIBRARY gmp)
find_package_handle_standard_args(GMP REQUIRED_VARS GMP_LIBRARY GMP_INCLUDE_DIR)
if(GMP_FOUND AND NOT TARGET GMP::GMP)
  add_library(GMP::GMP UNKNOWN IMPORTED)
  set_target_properties(GMP::GMP PROPERTIES IMPORTED_LOCATION "${GMP_LIBRARY}"
                                             INTERFACE_INCLUDE_DIRECTORIES "${GMP_INCLUDE_DIR}")
endif()
mark_as_advanced(GMP_INCLUDE_DIR GMP_LIBRARY)
