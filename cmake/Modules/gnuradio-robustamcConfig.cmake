find_package(PkgConfig)

PKG_CHECK_MODULES(PC_GR_ROBUSTAMC gnuradio-robustamc)

FIND_PATH(
    GR_ROBUSTAMC_INCLUDE_DIRS
    NAMES gnuradio/robustamc/api.h
    HINTS $ENV{ROBUSTAMC_DIR}/include
        ${PC_ROBUSTAMC_INCLUDEDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/include
          /usr/local/include
          /usr/include
)

FIND_LIBRARY(
    GR_ROBUSTAMC_LIBRARIES
    NAMES gnuradio-robustamc
    HINTS $ENV{ROBUSTAMC_DIR}/lib
        ${PC_ROBUSTAMC_LIBDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/lib
          ${CMAKE_INSTALL_PREFIX}/lib64
          /usr/local/lib
          /usr/local/lib64
          /usr/lib
          /usr/lib64
          )

include("${CMAKE_CURRENT_LIST_DIR}/gnuradio-robustamcTarget.cmake")

INCLUDE(FindPackageHandleStandardArgs)
FIND_PACKAGE_HANDLE_STANDARD_ARGS(GR_ROBUSTAMC DEFAULT_MSG GR_ROBUSTAMC_LIBRARIES GR_ROBUSTAMC_INCLUDE_DIRS)
MARK_AS_ADVANCED(GR_ROBUSTAMC_LIBRARIES GR_ROBUSTAMC_INCLUDE_DIRS)
