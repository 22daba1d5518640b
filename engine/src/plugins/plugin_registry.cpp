#include "plugins/plugin_registry.hpp"

#include <algorithm>
#include <cstdlib>

namespace sluice::plugins {

namespace fs = std::filesystem;

void PluginRegistry::scan(const std::vector<fs::path>& folders) {
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // the same order on every machine
    for (const auto& file : files) load_file(file);
  }
  reusable_.clear();  // a library left out (changed or gone) must not be kept mapped by this list
}

void PluginRegistry::load_file(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  const fs::path& key = ec ? file : canonical;
  if (std::find(loaded_files_.begin(), loaded_files_.end(), key) != loaded_files_.end()) return;
  loaded_files_.push_back(key);
  for (const auto& old : reusable_) {
    if (old->file() == file && old->identity() == PluginLibrary::identity_of(file)) {
      add(old);
      return;
    }
  }
  try {
    add(PluginLibrary::open(file));
  } catch (const PluginLoadError& e) {
    problems_.push_back(e.what());
  }
}

void PluginRegistry::add(std::shared_ptr<PluginLibrary> library) {
  for (const auto& spec : library->manifest().components()) {
    auto key = std::make_pair(spec.kind, spec.type);
    auto it = components_.find(key);
    if (it != components_.end()) {
      const auto& first = it->second.library;
      problems_.push_back((library->file().empty() ? library->name() : library->file().string()) + ": " +
                          component_kind_name(spec.kind) + " '" + spec.type + "' is already provided by " +
                          (first->file().empty() ? first->name() : first->file().string()) + "; this one is ignored");
      continue;
    }
    components_.emplace(key, ComponentEntry{&spec, library});
  }
  libraries_.push_back(std::move(library));
}

void PluginRegistry::reuse_unchanged(const PluginRegistry& previous) {
  for (const auto& lib : previous.libraries_) {
    if (!lib->file().empty()) reusable_.push_back(lib);
  }
}

const ComponentEntry* PluginRegistry::find(ComponentKind kind, const std::string& type) const {
  auto it = components_.find({kind, type});
  return it == components_.end() ? nullptr : &it->second;
}

std::vector<const ComponentEntry*> PluginRegistry::entries() const {
  std::vector<const ComponentEntry*> out;
  for (const auto& [key, entry] : components_) out.push_back(&entry);
  return out;
}

const ComponentSpec* PluginRegistry::find_component(ComponentKind kind, const std::string& type) const {
  const ComponentEntry* e = find(kind, type);
  return e ? e->spec : nullptr;
}

std::vector<std::string> PluginRegistry::component_types(ComponentKind kind) const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : components_) {
    if (key.first == kind) out.push_back(key.second);
  }
  return out;
}

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& cli_folders) {
  std::vector<fs::path> path(cli_folders.begin(), cli_folders.end());
  if (const char* env = std::getenv("SLUICE_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto part = rest.substr(0, colon);
      if (!part.empty()) path.emplace_back(std::string(part));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) path.push_back(exe.parent_path().parent_path() / "lib" / "sluice" / "plugins");
  return path;
}

}  // namespace sluice::plugins
