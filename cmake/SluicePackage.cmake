# What `cmake --install` and `cpack -G DEB` make of the build, beyond the targets' own install()
# calls: the CMake package a third party's find_package(Sluice) reads, and the two Debian packages.
#
# Layout under the prefix (the same as the build tree's, so bin/sluice finds its plugins in
# ../lib/sluice/plugins without a configured path):
#   bin/sluice                          runtime
#   lib/libsluice_sdk.so.N              runtime   (N: the plugin ABI)
#   lib/sluice/plugins/libsluice-*.so   runtime
#   share/sluice/web/                   web       (the click tracker's pages)
#   include/sluice/                     dev
#   lib/libsluice_sdk.so                dev       (the link plugins are built against)
#   lib/cmake/Sluice/                   dev       (SluiceConfig.cmake, sluice_add_plugin)
# tests/install/ checks this layout, the package's use from another project, and the .deb files.
include(CMakePackageConfigHelpers)

set(SLUICE_CMAKE_DIR lib/cmake/Sluice)
set(SLUICE_BOOST_VERSION ${Boost_VERSION})
set(SLUICE_NLOHMANN_JSON_VERSION ${nlohmann_json_VERSION})

install(EXPORT SluiceTargets NAMESPACE Sluice:: DESTINATION ${SLUICE_CMAKE_DIR} COMPONENT dev)
install(EXPORT SluiceAsioTargets NAMESPACE Sluice:: DESTINATION ${SLUICE_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/SluiceConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/SluiceConfig.cmake INSTALL_DESTINATION ${SLUICE_CMAKE_DIR})
# 0.x: a new minor version may change the SDK, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/SluiceConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
    ${CMAKE_BINARY_DIR}/cmake/SluiceConfig.cmake
    ${CMAKE_BINARY_DIR}/cmake/SluiceConfigVersion.cmake
    ${CMAKE_CURRENT_LIST_DIR}/SluicePlugin.cmake
  DESTINATION ${SLUICE_CMAKE_DIR} COMPONENT dev)

# `cpack -G DEB` in the build folder: sluice (runtime + web) and sluice-dev (dev), installed
# under /usr. Runtime libraries' dependencies come from dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VENDOR "Sluice")
set(CPACK_PACKAGE_CONTACT "Sluice maintainers <sluice@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Without debug info: a quarter of the size, and packed in seconds (the build keeps its own).
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime web dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_ENGINE_PACKAGE_NAME sluice)
set(CPACK_DEBIAN_ENGINE_PACKAGE_SHLIBDEPS ON)
# Debian's Description: CPack writes the project's DESCRIPTION as the synopsis, then this text.
set(CPACK_DEBIAN_ENGINE_DESCRIPTION "The sluice command, its plugins (Kafka, HTTP, WebSocket, ...) and the click tracker's pages.")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME sluice-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
# The headers include nlohmann/json; plugins that use sluice/asio.hpp also need this Boost.
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "sluice (= ${PROJECT_VERSION}), nlohmann-json3-dev (>= ${nlohmann_json_VERSION})")
# What a `sluice new-plugin` folder needs to build and run its test (and an asio plugin, Boost).
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "libboost${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR}-dev, cmake (>= 3.25), g++, libgtest-dev")
set(CPACK_DEBIAN_SDK_DESCRIPTION "The plugin SDK: headers, the SDK link and the CMake package (find_package(Sluice), sluice_add_plugin) to build
Sluice plugins.")
include(CPack)
cpack_add_component_group(engine)
cpack_add_component_group(sdk)
cpack_add_component(runtime GROUP engine)
cpack_add_component(web GROUP engine)
cpack_add_component(dev GROUP sdk)
