#pragma once
// One plugin library: a shared object opened with Boost.DLL, or a manifest compiled into the
// process (tests, embedders). Components made from it hold a shared_ptr to it, so the library is
// closed only after the last of them is destroyed.
//
// A library file is never mapped from where it lies: open() copies it to a private file of this
// process first (private_copy.hpp) and maps the copy. dlopen() hands back the already-mapped
// library for a path it knows, so a new build renamed over the old file (plugin hot swap) could
// not be loaded beside the old one otherwise; and the copy cannot change under the mapping.

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "sluice/plugin.hpp"

namespace sluice::plugins {

// The library was refused. what() names the file and the reason.
class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginLibrary {
 public:
  // Checks, in this order, from the file alone (plugin_file.hpp), before the library is mapped: it
  // is an ELF shared library for this machine; its ABI record is well-formed, of this ABI version and
  // toolchain; it exports the manifest entry point. Only then opens it (RTLD_NOW | RTLD_LOCAL), which
  // runs its static initialisers, and reads its manifest. Throws PluginLoadError.
  static std::shared_ptr<PluginLibrary> open(const std::filesystem::path& file);

  // A manifest linked into this process.
  static std::shared_ptr<PluginLibrary> builtin(std::string name, std::string description, PluginManifest manifest);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  // Empty for built-in manifests.
  const std::filesystem::path& file() const { return file_; }
  // The private copy that is mapped (empty for built-in manifests); removed when this closes.
  const std::filesystem::path& mapped_file() const { return mapped_file_; }
  // Which build of `file` this is: "name" for a built-in manifest, else the path with the
  // file's device, inode, size and modification time when it was opened. A file replaced on
  // disk (even by a build of the same size) gets another identity: a reload restarts the
  // pipelines using it (config/config_hash.hpp).
  const std::string& identity() const { return identity_; }
  // The linker's GNU build ID of the file, in hex ("" for built-in manifests and files without one).
  // Unlike `file`, it tells two builds at one path apart: sluice_plugin_info shows it.
  const std::string& build_id() const { return build_id_; }
  // The identity the file at `file` would have now ("" when it cannot be read).
  static std::string identity_of(const std::filesystem::path& file);
  const PluginManifest& manifest() const { return manifest_; }

 private:
  struct Handle;
  PluginLibrary() = default;

  // Declared first so it is destroyed last: the manifest holds code from the library.
  std::unique_ptr<Handle> handle_;
  std::filesystem::path file_;
  std::filesystem::path mapped_file_;
  std::string identity_;
  std::string build_id_;
  std::string name_;
  std::string description_;
  PluginManifest manifest_;
};

}  // namespace sluice::plugins
