#pragma once
// Private copies of plugin library files: the file the engine maps (plugin_library.hpp says why).
// They live in one folder of this process, made on first use under $TMPDIR (or /tmp) as
// sluice-plugins-<pid>-XXXXXX, each under a name of its own (<n>-<file name>), and the folder
// is removed when the process exits normally. A process that crashes leaves it behind; it holds
// nothing but copies.
//
// A plugin that finds other libraries through an $ORIGIN RUNPATH finds them next to the copy,
// not next to its file: the SDK is already loaded by the engine (found by soname), so the
// plugins built here are not affected.

#include <filesystem>

namespace sluice::plugins {

// Copies `file` to a new private file and returns its path. Throws PluginLoadError naming `file`.
std::filesystem::path make_private_copy(const std::filesystem::path& file);
// Removes a copy made above (after its library was closed). Errors are ignored.
void remove_private_copy(const std::filesystem::path& copy);

}  // namespace sluice::plugins
