#pragma once
// One plugin library: a shared object opened with Boost.DLL, or a manifest compiled into the
// process (tests, embedders). Components made from it hold a shared_ptr to it, so the library is
// closed only after the last of them is destroyed.

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
  const PluginManifest& manifest() const { return manifest_; }

 private:
  struct Handle;
  PluginLibrary() = default;

  // Declared first so it is destroyed last: the manifest holds code from the library.
  std::unique_ptr<Handle> handle_;
  std::filesystem::path file_;
  std::string name_;
  std::string description_;
  PluginManifest manifest_;
};

}  // namespace sluice::plugins
