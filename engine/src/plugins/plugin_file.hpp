#pragma once
// What the engine learns about a plugin library from its file alone, before mapping it: that it is
// an ELF shared library for this machine, its ABI record (the .note.sluice ELF note SLUICE_PLUGIN
// writes) and whether it exports the manifest entry point. A library refused on these facts never
// has any of its code run.
//
// Every offset and size read from the file is checked against the file before it is used, so a
// truncated or hostile file gets a clear refusal, never a read out of bounds or an allocation
// larger than the file.

#include <cstdint>
#include <filesystem>
#include <string>

namespace sluice::plugins {

struct AbiRecord {
  std::uint32_t abi_version = 0;
  // Filled only when abi_version is this engine's: another version's layout is not known here.
  std::string toolchain;
  std::string library;
  std::string description;
};

struct PluginFileFacts {
  AbiRecord record;
  bool exports_manifest = false;
  // The linker's GNU build ID (.note.gnu.build-id) in hex, or "" when the file has none: which
  // build this is, for sluice_plugin_info after a hot swap (two builds at one path differ here).
  std::string build_id;
};

// Throws PluginLoadError naming the file and the reason when the file is not a shared library for
// this machine, or has no ABI record, or a malformed one. It does not compare the record with this
// engine's: the caller does, to say what to rebuild.
PluginFileFacts inspect_plugin_file(const std::filesystem::path& file);

}  // namespace sluice::plugins
