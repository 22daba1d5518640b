#include "plugins/plugin_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

namespace sluice::plugins {

struct PluginLibrary::Handle {
  boost::dll::shared_library library;
};

PluginLibrary::~PluginLibrary() = default;

namespace {

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& why) {
  throw PluginLoadError(file.string() + ": " + why);
}

void check_elf_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) refuse(file, std::string("cannot be read: ") + std::strerror(errno));
  char magic[4] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() != 4 || std::memcmp(magic, "\x7f" "ELF", 4) != 0) {
    refuse(file, "not a shared library (it does not start with an ELF header); only Sluice plugin libraries "
                 "belong in a plugin folder");
  }
}

// Reads the ELF symbol table from the file without mapping it for execution.
void check_entry_points(const std::filesystem::path& file) {
  check_elf_header(file);
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(file, /*throw_if_not_native=*/true);
    symbols = info.symbols();
  } catch (const std::exception& e) {
    refuse(file, std::string("not a shared library (") + e.what() +
                     "); only Sluice plugin libraries belong in a plugin folder");
  }
  for (const char* entry : {SLUICE_PLUGIN_ABI_SYMBOL, SLUICE_PLUGIN_MANIFEST_SYMBOL}) {
    if (std::find(symbols.begin(), symbols.end(), entry) == symbols.end()) {
      refuse(file, std::string("not a Sluice plugin: it does not export '") + entry +
                       "' (declare the library with SLUICE_PLUGIN from <sluice/plugin.hpp>)");
    }
  }
}

}  // namespace

std::shared_ptr<PluginLibrary> PluginLibrary::open(const std::filesystem::path& file) {
  check_entry_points(file);

  auto lib = std::shared_ptr<PluginLibrary>(new PluginLibrary());
  lib->file_ = file;
  lib->handle_ = std::make_unique<Handle>();
  boost::dll::fs::error_code ec;
  // RTLD_NOW: a missing symbol fails here, with the loader's message, not later in the middle of a
  // run. RTLD_LOCAL: two plugins may use the same symbol names without clashing.
  dlerror();
  lib->handle_->library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* why = dlerror();
    refuse(file, std::string("cannot be loaded: ") + (why ? why : ec.message()));
  }

  using AbiFn = const sluice_abi_info*();
  const sluice_abi_info* abi = lib->handle_->library.get<AbiFn>(SLUICE_PLUGIN_ABI_SYMBOL)();
  if (abi == nullptr) refuse(file, "its ABI record is empty");
  if (abi->abi_version != SLUICE_ABI_VERSION) {
    refuse(file, "built for Sluice plugin ABI " + std::to_string(abi->abi_version) + ", but this engine speaks ABI " +
                     std::to_string(SLUICE_ABI_VERSION) + "; rebuild the plugin against this engine's SDK");
  }
  const std::string toolchain = abi->toolchain ? abi->toolchain : "";
  if (toolchain != SLUICE_TOOLCHAIN_TAG) {
    refuse(file, "built with toolchain '" + toolchain + "', but this engine was built with '" SLUICE_TOOLCHAIN_TAG
                 "'; the SDK passes C++ standard library types, so rebuild the plugin with the engine's compiler");
  }
  lib->name_ = abi->library ? abi->library : file.stem().string();
  lib->description_ = abi->description ? abi->description : "";

  using ManifestFn = void(PluginManifest&);
  try {
    lib->handle_->library.get<ManifestFn>(SLUICE_PLUGIN_MANIFEST_SYMBOL)(lib->manifest_);
  } catch (const std::exception& e) {
    refuse(file, std::string("its manifest failed: ") + e.what());
  }
  for (const auto& c : lib->manifest_.components()) {
    const bool has_factory = (c.kind == ComponentKind::source && c.make_source) ||
                             (c.kind == ComponentKind::transform && c.make_transform) ||
                             (c.kind == ComponentKind::sink && c.make_sink);
    if (c.type.empty() || !has_factory) {
      refuse(file, std::string("its manifest declares a ") + component_kind_name(c.kind) + " '" + c.type +
                       "' without a type name or factory");
    }
  }
  return lib;
}

std::shared_ptr<PluginLibrary> PluginLibrary::builtin(std::string name, std::string description,
                                                      PluginManifest manifest) {
  auto lib = std::shared_ptr<PluginLibrary>(new PluginLibrary());
  lib->name_ = std::move(name);
  lib->description_ = std::move(description);
  lib->manifest_ = std::move(manifest);
  return lib;
}

}  // namespace sluice::plugins
