# `cmake --install` puts the host, the plugins, the SDK headers and the SpotlightSDK CMake
# package in place, so an out-of-tree plugin can do find_package(SpotlightSDK).
include(CMakePackageConfigHelpers)

set(SPOTLIGHT_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/${SPOTLIGHT_PLUGIN_SUBDIR})
set(SPOTLIGHT_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/SpotlightSDK)

install(TARGETS spotlight RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS spotlight_sdk EXPORT SpotlightSDKTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY sdk/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT SpotlightSDKTargets NAMESPACE SpotlightSDK:: DESTINATION ${SPOTLIGHT_CMAKE_INSTALL_DIR})

configure_package_config_file(sdk/cmake/SpotlightSDKConfig.cmake.in
  ${PROJECT_BINARY_DIR}/SpotlightSDKConfig.cmake
  INSTALL_DESTINATION ${SPOTLIGHT_CMAKE_INSTALL_DIR}
  PATH_VARS SPOTLIGHT_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/SpotlightSDKConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/SpotlightSDKConfig.cmake
  ${PROJECT_BINARY_DIR}/SpotlightSDKConfigVersion.cmake
  sdk/cmake/SpotlightPlugin.cmake
  sdk/cmake/spotlight_plugin.map
  DESTINATION ${SPOTLIGHT_CMAKE_INSTALL_DIR})

# The same package from the build tree: -DSpotlightSDK_DIR=<build>/sdk-package.
set(SPOTLIGHT_BUILD_PACKAGE_DIR ${PROJECT_BINARY_DIR}/sdk-package)
export(EXPORT SpotlightSDKTargets NAMESPACE SpotlightSDK:: FILE ${SPOTLIGHT_BUILD_PACKAGE_DIR}/SpotlightSDKTargets.cmake)
set(SPOTLIGHT_PLUGIN_INSTALL_DIR ${SPOTLIGHT_PLUGIN_OUTPUT_DIRECTORY})
configure_package_config_file(sdk/cmake/SpotlightSDKConfig.cmake.in
  ${SPOTLIGHT_BUILD_PACKAGE_DIR}/SpotlightSDKConfig.cmake
  INSTALL_DESTINATION ${SPOTLIGHT_BUILD_PACKAGE_DIR}
  PATH_VARS SPOTLIGHT_PLUGIN_INSTALL_DIR)
file(COPY sdk/cmake/SpotlightPlugin.cmake sdk/cmake/spotlight_plugin.map DESTINATION ${SPOTLIGHT_BUILD_PACKAGE_DIR})
write_basic_package_version_file(${SPOTLIGHT_BUILD_PACKAGE_DIR}/SpotlightSDKConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
