#pragma once
// Include Boost.Asio (and Beast) in plugins through this header, before anything else of Asio.
//
// Asio keeps per-thread state (which io_context a thread is running) in static members of class
// templates. Plugins are built with hidden visibility, which would give every plugin a private
// copy of that state: code in a plugin would not see that the engine's thread runs the shared
// io_context, and crash inside Asio. Declared with default visibility here, the copies are merged
// with the engine's at load time (the executable exports its copy), so there is one.
//
// Context::io crosses the boundary, so engine and plugin must use the same Boost: the plugin's
// toolchain tag records its Boost version (sluice/plugin.hpp), which needs SLUICE_ASIO defined for
// every file of the plugin. Linking Sluice::asio defines it (find_package(Sluice COMPONENTS asio)
// and sluice_add_plugin(NAME ASIO ...); in this repository every plugin has it).
#if !defined(SLUICE_ASIO)
#error \
    "sluice/asio.hpp needs the Sluice::asio target: find_package(Sluice REQUIRED COMPONENTS asio) and sluice_add_plugin(NAME ASIO SOURCES ...), so the plugin records the Boost version the engine must match"
#endif
#pragma GCC visibility push(default)
#include <boost/asio.hpp>
#pragma GCC visibility pop
