# sluice_add_plugin(NAME SOURCES...)
#
# Builds one plugin library: a shared object that sees only the SDK, exports only
# its two entry points (hidden visibility) and lands in the folder the engine
# searches by default. OUTPUT_DIRECTORY overrides that folder and NO_INSTALL keeps it out of
# `cmake --install` (test fixtures).
function(sluice_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${SLUICE_PLUGIN_OUTPUT_DIRECTORY})
  endif()
  add_library(${name} MODULE ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE sluice::sdk sluice_warnings)
  set_target_properties(${name} PROPERTIES
    PREFIX "libsluice-"
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # Installed plugins find libsluice_sdk.so two folders up, as in the build tree.
    INSTALL_RPATH "$ORIGIN/../.."
    BUILD_RPATH "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}")
  # A plugin that leaves a symbol undefined must fail to link, not fail at dlopen.
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION ${SLUICE_PLUGIN_SUBDIR})
  endif()
endfunction()
