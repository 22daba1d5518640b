# sluice_add_plugin(NAME [ASIO] SOURCES... [OUTPUT_DIRECTORY DIR] [NO_INSTALL])
#
# Builds one plugin library: a shared object that sees only the SDK (Sluice::sdk), exports only its
# two entry points (hidden visibility), and is named libsluice-NAME.so, the name the engine scans
# plugin folders for. The same file serves this repository's plugins and, installed as
# lib/cmake/Sluice/SluicePlugin.cmake, a third party's after find_package(Sluice).
#
#   ASIO              the plugin includes sluice/asio.hpp: it links Sluice::asio (Boost's headers,
#                     and SLUICE_ASIO, so its toolchain tag names the Boost version; out of this
#                     repository it needs find_package(Sluice REQUIRED COMPONENTS asio))
#   OUTPUT_DIRECTORY  where the built library lands (default: SLUICE_PLUGIN_OUTPUT_DIRECTORY, else
#                     ${CMAKE_BINARY_DIR}/plugins): a folder to give `sluice --plugin-dir`
#   NO_INSTALL        keeps it out of `cmake --install` (test fixtures); otherwise it installs to
#                     SLUICE_PLUGIN_SUBDIR (lib/sluice/plugins), where an engine installed in the
#                     same prefix looks without being told
#
# Whoever includes this file may set beforehand: SLUICE_PLUGIN_OUTPUT_DIRECTORY, SLUICE_PLUGIN_SUBDIR
# and SLUICE_PLUGIN_LINK (more targets every plugin links: in this repository the warning flags and
# Sluice::asio, since every plugin here is built with the engine's own Boost).
if(NOT DEFINED SLUICE_PLUGIN_SUBDIR)
  set(SLUICE_PLUGIN_SUBDIR lib/sluice/plugins)
endif()

# What every object file of a plugin is compiled with: the SDK and SLUICE_PLUGIN_LINK, hidden
# visibility, PIC, and no STB_GNU_UNIQUE (below). Shared by sluice_add_plugin and the object
# libraries of this repository's plugins (plugins/CMakeLists.txt), whose sources the tests reuse.
function(_sluice_plugin_compile_settings target)
  target_link_libraries(${target} PRIVATE Sluice::sdk ${SLUICE_PLUGIN_LINK})
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # GCC marks the static variables of inline functions and templates STB_GNU_UNIQUE, and glibc
  # then never unmaps the library, and binds a second build's copies to the first's: a plugin
  # swapped by a reload would stay mapped, its new build sharing the old one's statics.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
endfunction()

function(sluice_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL;ASIO" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(SLUICE_PLUGIN_OUTPUT_DIRECTORY)
      set(ARG_OUTPUT_DIRECTORY ${SLUICE_PLUGIN_OUTPUT_DIRECTORY})
    else()
      set(ARG_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
    endif()
  endif()
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_]*$")
    message(FATAL_ERROR "sluice_add_plugin: '${name}' is not a plugin name (a letter, then letters, digits or _)")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  _sluice_plugin_compile_settings(${name})
  if(ARG_ASIO)
    if(NOT TARGET Sluice::asio)
      message(FATAL_ERROR "sluice_add_plugin(${name} ASIO): Sluice::asio is not defined; "
                          "use find_package(Sluice REQUIRED COMPONENTS asio)")
    endif()
    target_link_libraries(${name} PRIVATE Sluice::asio)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX "libsluice-"
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    # Installed plugins find libsluice_sdk.so two folders up (lib/), as in the build tree. (Loaded
    # by `sluice`, they find it already loaded; the path matters to anything else that opens them.)
    INSTALL_RPATH "$ORIGIN/../..")
  if(CMAKE_LIBRARY_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES BUILD_RPATH "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}")
  endif()
  # A plugin that leaves a symbol undefined must fail to link, not fail at dlopen.
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION ${SLUICE_PLUGIN_SUBDIR})
  endif()
endfunction()
