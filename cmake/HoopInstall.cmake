# Install rules: headers, the static module libraries, a CMake package
# (find_package(hoop) -> hoop::wire, ...) and a pkg-config file (hoop.pc).
include(CMakePackageConfigHelpers)

get_property(hoop_libraries GLOBAL PROPERTY HOOP_LIBRARIES)

install(DIRECTORY include/hoop DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${hoop_libraries} EXPORT hoopTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT hoopTargets NAMESPACE hoop::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hoop)

configure_package_config_file(cmake/hoopConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hoopConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hoop)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hoopConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hoopConfig.cmake
              ${PROJECT_BINARY_DIR}/hoopConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hoop)

# pkg-config: static archives, listed dependents first.
set(HOOP_PC_LIBS "")
list(REVERSE hoop_libraries)
foreach(lib IN LISTS hoop_libraries)
  string(APPEND HOOP_PC_LIBS " -l${lib}")
endforeach()
# hoop.pc finds its prefix relative to its own folder, so it stays right
# wherever `cmake --install --prefix` puts it.
file(RELATIVE_PATH HOOP_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(cmake/hoop.pc.in ${PROJECT_BINARY_DIR}/hoop.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hoop.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
