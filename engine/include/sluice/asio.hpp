#pragma once
// Include Boost.Asio (and Beast) in plugins through this header, before anything else of Asio.
//
// Asio keeps per-thread state (which io_context a thread is running) in static members of class
// templates. Plugins are built with hidden visibility, which would give every plugin a private
// copy of that state: code in a plugin would not see that the engine's thread runs the shared
// io_context, and crash inside Asio. Declared with default visibility here, the copies are merged
// with the engine's at load time (the executable exports its copy), so there is one.
#pragma GCC visibility push(default)
#include <boost/asio.hpp>
#pragma GCC visibility pop
