#pragma once
// Every component type the engine can build, and the library each comes from. Filled by scanning
// plugin folders; a library that is refused is reported and skipped, the others still load.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/component_catalog.hpp"
#include "plugins/plugin_library.hpp"

namespace sluice::plugins {

struct ComponentEntry {
  const ComponentSpec* spec = nullptr;
  std::shared_ptr<PluginLibrary> library;
};

class PluginRegistry : public config::ComponentCatalog {
 public:
  // Loads every *.so in each folder, in order; a type already known keeps its first library.
  void scan(const std::vector<std::filesystem::path>& folders);
  // Loads one library file; a refusal lands in problems().
  void load_file(const std::filesystem::path& file);
  // For a rescan (a reload): a file that `previous` loaded and that is unchanged on disk (the
  // same PluginLibrary::identity_of) is taken over as the same PluginLibrary object, not opened
  // again, so the pipelines using it are not restarted. Call before scan().
  void reuse_unchanged(const PluginRegistry& previous);
  // Registers a library's components (also for built-in manifests).
  void add(std::shared_ptr<PluginLibrary> library);

  const ComponentEntry* find(ComponentKind kind, const std::string& type) const;
  std::vector<const ComponentEntry*> entries() const;  // sorted by kind, then type
  const std::vector<std::shared_ptr<PluginLibrary>>& libraries() const { return libraries_; }
  // Libraries refused and duplicate types ignored, one message each.
  const std::vector<std::string>& problems() const { return problems_; }

  // config::ComponentCatalog
  const ComponentSpec* find_component(ComponentKind kind, const std::string& type) const override;
  std::vector<std::string> component_types(ComponentKind kind) const override;

 private:
  std::vector<std::shared_ptr<PluginLibrary>> libraries_;
  std::map<std::pair<ComponentKind, std::string>, ComponentEntry> components_;
  std::vector<std::filesystem::path> loaded_files_;
  std::vector<std::string> problems_;
  std::vector<std::shared_ptr<PluginLibrary>> reusable_;
};

// Where plugins are looked for, in order: --plugin-dir folders, then SLUICE_PLUGIN_PATH
// (colon-separated), then lib/sluice/plugins beside the sluice executable's folder.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& cli_folders);

}  // namespace sluice::plugins
