// The plugin loader: a good library loads; every broken one is refused with its file and the
// reason, and the others still load; a library stays mapped while a component made from it lives.

#include <dlfcn.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/plugin_registry.hpp"
#include "runtime/component_instance.hpp"

namespace sluice::plugins {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path kFixtures = SLUICE_TEST_FIXTURE_DIR;

std::string refusal(const std::string& file) {
  try {
    (void)PluginLibrary::open(kFixtures / file);
  } catch (const PluginLoadError& e) {
    return e.what();
  }
  ADD_FAILURE() << file << " was loaded";
  return "";
}

bool is_mapped(const fs::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);  // NOLOAD still took a reference
  return true;
}

TEST(Loader, LoadsAGoodPluginAndItsComponents) {
  auto lib = PluginLibrary::open(kFixtures / "libsluice-fixture_good.so");
  EXPECT_EQ(lib->name(), "fixture_good");
  EXPECT_EQ(lib->description(), "A valid plugin for the loader tests");
  ASSERT_EQ(lib->manifest().components().size(), 1u);
  EXPECT_EQ(lib->manifest().components()[0].type, "stall");
  EXPECT_EQ(lib->manifest().components()[0].kind, ComponentKind::sink);
}

TEST(Loader, RefusesAWrongAbiVersion) {
  const auto why = refusal("libsluice-fixture_wrong_abi.so");
  EXPECT_THAT(why, HasSubstr("libsluice-fixture_wrong_abi.so: built for Sluice plugin ABI 999, but this engine speaks ABI " + std::to_string(SLUICE_ABI_VERSION)));
  EXPECT_THAT(why, HasSubstr("rebuild the plugin"));
}

TEST(Loader, RefusesAnotherToolchain) {
  const auto why = refusal("libsluice-fixture_wrong_toolchain.so");
  EXPECT_THAT(why, HasSubstr("libsluice-fixture_wrong_toolchain.so: built with toolchain 'libc++17/c++202002L'"));
  EXPECT_THAT(why, HasSubstr(SLUICE_TOOLCHAIN_TAG));
}

TEST(Loader, RefusesALibraryWithoutEntryPoints) {
  EXPECT_THAT(refusal("libsluice-fixture_no_entry.so"),
              HasSubstr("libsluice-fixture_no_entry.so: not a Sluice plugin: it does not export 'sluice_plugin_abi'"));
}

TEST(Loader, RefusesAFileThatIsNotALibrary) {
  EXPECT_THAT(refusal("libsluice-not-a-library.so"), HasSubstr("libsluice-not-a-library.so: not a shared library"));
}

TEST(Loader, RefusesALibraryWithAnUnresolvedSymbol) {
  const auto why = refusal("libsluice-fixture_unresolved.so");
  EXPECT_THAT(why, HasSubstr("libsluice-fixture_unresolved.so: cannot be loaded: "));
  EXPECT_THAT(why, HasSubstr("fixture_symbol_nobody_defines"));
}

TEST(Loader, RefusesAMissingFile) {
  EXPECT_THAT(refusal("libsluice-does-not-exist.so"), HasSubstr("libsluice-does-not-exist.so: cannot be read: No such file or directory"));
}

TEST(Loader, ScanningGoesOnPastBrokenLibraries) {
  PluginRegistry registry;
  registry.scan({kFixtures});
  ASSERT_NE(registry.find(ComponentKind::sink, "stall"), nullptr);
  ASSERT_EQ(registry.problems().size(), 5u);
  std::string all;
  for (const auto& p : registry.problems()) all += p + "\n";
  for (const char* file : {"fixture_wrong_abi", "fixture_wrong_toolchain", "fixture_no_entry", "not-a-library",
                           "fixture_unresolved"}) {
    EXPECT_THAT(all, HasSubstr(std::string("libsluice-") + file + ".so: ")) << all;
  }
}

TEST(Loader, TheSameFolderTwiceLoadsEachLibraryOnce) {
  PluginRegistry registry;
  registry.scan({SLUICE_TEST_PLUGIN_DIR, SLUICE_TEST_PLUGIN_DIR});
  EXPECT_TRUE(registry.problems().empty());
  EXPECT_NE(registry.find(ComponentKind::source, "generator"), nullptr);
}

class NullSink final : public Sink {
 public:
  NullSink(const Options&, Context&) {}
  void write(std::shared_ptr<const Batch>, Delivery done) override { done.complete(); }
};

TEST(Loader, ADuplicateTypeKeepsTheFirstAndSaysSo) {
  PluginRegistry registry;
  registry.load_file(fs::path(SLUICE_TEST_PLUGIN_DIR) / "libsluice-drop.so");
  PluginManifest m;
  m.add(sink_component<NullSink>("drop", "impostor", OptionTable{}));
  registry.add(PluginLibrary::builtin("impostor", "", std::move(m)));
  ASSERT_EQ(registry.problems().size(), 1u);
  EXPECT_THAT(registry.problems()[0], HasSubstr("sink 'drop' is already provided by"));
  EXPECT_EQ(registry.find(ComponentKind::sink, "drop")->library->name(), "drop");
}

TEST(Loader, ALibraryStaysLoadedWhileAComponentFromItLives) {
  const fs::path file = kFixtures / "libsluice-fixture_good.so";
  ASSERT_FALSE(is_mapped(file)) << "another test left it loaded";
  runtime::ComponentInstance<Sink> sink;
  {
    PluginRegistry registry;
    registry.load_file(file);
    const ComponentEntry* entry = registry.find(ComponentKind::sink, "stall");
    ASSERT_NE(entry, nullptr);
    sink.library = entry->library;
    sink.context = std::make_unique<Context>();
    sink.object = entry->spec->make_sink(Options{}, *sink.context);
  }
  EXPECT_TRUE(is_mapped(file)) << "the registry is gone but the sink still needs the code";
  sink.reset();
  EXPECT_FALSE(is_mapped(file)) << "the last user is gone, so the library is closed";
}

}  // namespace
}  // namespace sluice::plugins
