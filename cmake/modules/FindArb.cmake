# FindArb: Arb ball arithmetic (Debian: libflint-arb-dev, library flint-arb; upstream name arb)
# and FLINT, which it is built on (libflint-dev); needs MPFR and GMP.
# Result: Arb_FOUND, ARB_INCLUDE_DIR, ARB_LIBRARY, FLINT_LIBRARY and the imported targets
# Arb::FLINT and Arb::Arb (links Arb::FLINT, MPFR::MPFR, GMP::GMP).
# Installed with ccnorm's CMake package (lib/cmake/ccnorm/) for ccnorm::reference's users.
include(FindPackageHandleStandardArgs)
if(NOT MPFR_FOUND)
  find_package(MPFR QUIET)
endif()
find_path(ARB_INCLUDE_DIR arb.h PATH_SUFFIXES flint)
find_library(ARB_LIBRARY NAMES flint-arb arb)
find_library(FLINT_LIBRARY flint)
find_package_handle_standard_args(Arb REQUIRED_VARS ARB_LIBRARY FLINT_LIBRARY ARB_INCLUDE_DIR MPFR_FOUND)
if(Arb_FOUND AND NOT TARGET Arb::Arb)
  add_library(Arb::FLINT UNKNOWN IMPORTED)
  set_target_properties(Arb::FLINT PROPERTIES IMPORTED_LOCATION "${FLINT_LIBRARY}"
                                               INTERFACE_LINK_LIBRARIES "MPFR::MPFR;GMP::GMP")
  add_library(Arb::Arb UNKNOWN IMPORTED)
  set_target_properties(Arb::Arb PROPERTIES IMPORTED_LOCATION "${ARB_LIBRARY}"
                                             INTERFACE_INCLUDE_DIRECTORIES "${ARB_INCLUDE_DIR}"
                                             INTERFACE_LINK_LIBRARIES Arb::FLINT)
endif()
mark_as_advanced(ARB_INCLUDE_DIR ARB_LIBRARY FLINT_LIBRARY)
