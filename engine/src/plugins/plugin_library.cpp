#include "plugins/plugin_library.hpp"

#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

#include <boost/dll/shared_library.hpp>

#include "plugins/plugin_file.hpp"
#include "plugins/private_copy.hpp"

namespace sluice::plugins {

struct PluginLibrary::Handle {
  boost::dll::shared_library library;
};

PluginLibrary::~PluginLibrary() {
  manifest_ = PluginManifest{};  // holds code from the library: gone before it is unmapped
  if (handle_) handle_->library.unload();
  handle_.reset();
  if (!mapped_file_.empty()) remove_private_copy(mapped_file_);
}

namespace {

// The libraries a plugin brought into the process (librdkafka, and OpenSSL, SASL, zlib under it)
// stay mapped when the plugin is unloaded; only the plugin's own code is swapped. They keep
// process-wide state that was never meant to be unloaded (OpenSSL's and SASL's one-time globals):
// unmapping it leaks that state and, should they be loaded again, initialises them twice. They are
// the objects the dlopen() of the plugin appended after it to the loader's list.
void keep_dependencies_loaded(void* plugin) {
  link_map* map = nullptr;
  if (plugin == nullptr || dlinfo(plugin, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) return;
  for (link_map* dep = map->l_next; dep != nullptr; dep = dep->l_next) {
    if (dep->l_name == nullptr || dep->l_name[0] == '\0') continue;
    // Already loaded: RTLD_NOLOAD only finds it, RTLD_NODELETE pins it. The handle is not closed,
    // on purpose.
    (void)dlopen(dep->l_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

}  // namespace

std::string PluginLibrary::identity_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  return file.string() + " dev=" + std::to_string(st.st_dev) + " ino=" + std::to_string(st.st_ino) +
         " size=" + std::to_string(st.st_size) + " mtime=" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

namespace {

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& why) {
  throw PluginLoadError(file.string() + ": " + why);
}

// The engine is built with Boost (SLUICE_ASIO), so SLUICE_TOOLCHAIN_TAG names its Boost version.
#if !defined(SLUICE_ASIO)
#error "the engine must be built with SLUICE_ASIO (link sluice::asio): its toolchain tag names its Boost version"
#endif

// A plugin that does not include sluice/asio.hpp carries the base tag (standard library and C++
// version); one that does also names its Boost version, which must be the engine's, because
// Context::io (Asio's io_context) crosses the boundary.
void check_toolchain(const std::filesystem::path& file, const std::string& tag) {
  if (tag == SLUICE_BASE_TOOLCHAIN_TAG || tag == SLUICE_TOOLCHAIN_TAG) return;
  const std::string boost_prefix = SLUICE_BASE_TOOLCHAIN_TAG "/boost";
  if (tag.rfind(boost_prefix, 0) == 0) {
    refuse(file, "built against Boost " + tag.substr(boost_prefix.size()) +
                     " (it includes sluice/asio.hpp), but this engine was built with Boost " BOOST_LIB_VERSION
                     "; Context::io crosses the boundary, so rebuild the plugin against Boost " BOOST_LIB_VERSION);
  }
  refuse(file, "built with toolchain '" + tag +
                   "', but this engine was built with '" SLUICE_TOOLCHAIN_TAG
                   "'; the SDK passes C++ standard library types, so rebuild the plugin with the engine's compiler");
}

// The checks that need only the file. Nothing of the library has been mapped yet.
PluginFileFacts check_file(const std::filesystem::path& file) {
  PluginFileFacts facts = inspect_plugin_file(file);
  const AbiRecord& abi = facts.record;
  if (abi.abi_version != SLUICE_ABI_VERSION) {
    refuse(file, "built for Sluice plugin ABI " + std::to_string(abi.abi_version) + ", but this engine speaks ABI " +
                     std::to_string(SLUICE_ABI_VERSION) + "; rebuild the plugin against this engine's SDK");
  }
  check_toolchain(file, abi.toolchain);
  if (!facts.exports_manifest) {
    refuse(file, "not a Sluice plugin: it does not export '" SLUICE_PLUGIN_MANIFEST_SYMBOL
                 "' (declare the library with SLUICE_PLUGIN from <sluice/plugin.hpp>)");
  }
  return facts;
}

}  // namespace

std::shared_ptr<PluginLibrary> PluginLibrary::open(const std::filesystem::path& file) {
  // The identity first: a file renamed over this one after the copy is then seen as new at the
  // next reload, never the other way round.
  const std::string identity = identity_of(file);
  // Copied before the checks, so the checks and the mapping see the same bytes.
  std::filesystem::path copy = make_private_copy(file);  // throws PluginLoadError
  auto lib = std::shared_ptr<PluginLibrary>(new PluginLibrary());
  lib->mapped_file_ = copy;  // removed by the destructor from here on, also when refused below
  lib->identity_ = identity;
  PluginFileFacts facts;
  try {
    facts = check_file(copy);
  } catch (const PluginLoadError& e) {
    // Name the file the user knows, not the copy.
    std::string why = e.what();
    if (why.rfind(copy.string(), 0) == 0) why = file.string() + why.substr(copy.string().size());
    throw PluginLoadError(why);
  }
  const AbiRecord& abi = facts.record;
  lib->file_ = file;
  lib->build_id_ = facts.build_id;
  lib->name_ = abi.library.empty() ? file.stem().string() : abi.library;
  lib->description_ = abi.description;
  lib->handle_ = std::make_unique<Handle>();
  boost::dll::fs::error_code ec;
  // RTLD_NOW: a missing symbol fails here, with the loader's message, not later in the middle of a
  // run. RTLD_LOCAL: two plugins may use the same symbol names without clashing.
  dlerror();
  lib->handle_->library.load(copy, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* why = dlerror();
    refuse(file, std::string("cannot be loaded: ") + (why ? why : ec.message()));
  }
  keep_dependencies_loaded(lib->handle_->library.native());

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
  lib->identity_ = lib->name_;
  lib->description_ = std::move(description);
  lib->manifest_ = std::move(manifest);
  return lib;
}

}  // namespace sluice::plugins
