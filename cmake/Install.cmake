# Installs the header, both libraries, otelctx.pc and the CMake package
# (find_package(otelctx) -> otelctx::otelctx, otelctx::otelctx_static).
include(CMakePackageConfigHelpers)

set_target_properties(otelctx_static PROPERTIES EXPORT_NAME otelctx_static)
install(TARGETS otelctx otelctx_static
  EXPORT otelctxTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/otelctx.h include/otelctx.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(OTELCTX_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/otelctx)
install(EXPORT otelctxTargets
  NAMESPACE otelctx::
  DESTINATION ${OTELCTX_CMAKE_DIR})
configure_package_config_file(cmake/otelctxConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/otelctxConfig.cmake
  INSTALL_DESTINATION ${OTELCTX_CMAKE_DIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/otelctxConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/otelctxConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/otelctxConfigVersion.cmake
  DESTINATION ${OTELCTX_CMAKE_DIR})

list(JOIN OTELCTX_CONSUMER_LTO_FLAGS " " OTELCTX_PC_LTO_FLAGS)
# otelctx.pc names its prefix relative to itself (${pcfiledir}), so that
# `cmake --install --prefix P` gives a file that is right under P: one ".."
# per component of LIBDIR/pkgconfig.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "otelctx.pc: CMAKE_INSTALL_LIBDIR must be relative to the prefix, "
                      "not ${CMAKE_INSTALL_LIBDIR}")
endif()
string(REGEX REPLACE "[^/]+" ".." OTELCTX_PC_TO_PREFIX "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(cmake/otelctx.pc.in ${CMAKE_CURRENT_BINARY_DIR}/otelctx.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/otelctx.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The man pages: the API and the inspector.
install(FILES docs/man/otelctx.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
install(FILES docs/man/otelctx-inspect.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
