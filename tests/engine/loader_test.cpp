// The plugin loader: a good library loads; every broken one is refused with its file and the
// reason, and the others still load; a library refused on its file is never mapped, so none of its
// code runs; a library stays mapped while a component made from it lives.

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/plugin_file.hpp"
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

// The fixtures' static initialisers (tests/fixtures/plugins/load_marker.hpp) append to this file
// when mapped; without the variable they abort.
class LoadMarker {
 public:
  LoadMarker() : file_(fs::path(::testing::TempDir()) / ("sluice-load-marker-" + std::to_string(getpid()))) {
    fs::remove(file_);
    setenv("SLUICE_FIXTURE_LOAD_MARKER", file_.c_str(), 1);
  }
  ~LoadMarker() {
    unsetenv("SLUICE_FIXTURE_LOAD_MARKER");
    fs::remove(file_);
  }
  // What ran, one fixture name a line; empty when nothing did.
  std::string contents() const {
    std::ifstream in(file_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  fs::path file_;
};

bool in_proc_self_maps(const fs::path& file) {
  std::ifstream maps("/proc/self/maps");
  const std::string name = file.filename().string();
  for (std::string line; std::getline(maps, line);) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

// A copy of the good fixture, changed by `edit`, in a folder of its own.
fs::path edited_copy(const std::string& name, const std::function<void(std::string&)>& edit) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("sluice-loader-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ifstream in(kFixtures / "libsluice-fixture_good.so", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  edit(bytes);
  const fs::path out = dir / name;
  std::ofstream(out, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out;
}

std::string refusal_of(const fs::path& file) {
  try {
    (void)PluginLibrary::open(file);
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
  EXPECT_THAT(why,
              HasSubstr("libsluice-fixture_wrong_abi.so: built for Sluice plugin ABI 999, but this engine speaks ABI " +
                        std::to_string(SLUICE_ABI_VERSION)));
  EXPECT_THAT(why, HasSubstr("rebuild the plugin"));
}

TEST(Loader, RefusesAnotherToolchain) {
  const auto why = refusal("libsluice-fixture_wrong_toolchain.so");
  EXPECT_THAT(why, HasSubstr("libsluice-fixture_wrong_toolchain.so: built with toolchain 'libc++17/c++202002L'"));
  EXPECT_THAT(why, HasSubstr(SLUICE_TOOLCHAIN_TAG));
}

TEST(Loader, RefusesALibraryWithoutAnAbiRecord) {
  EXPECT_THAT(refusal("libsluice-fixture_no_entry.so"),
              HasSubstr("libsluice-fixture_no_entry.so: not a Sluice plugin of this engine: it has no ABI record "
                        "(no .note.sluice section)"));
}

TEST(Loader, RefusesAPluginBuiltBeforeTheRecordWasANote) {
  const auto why = refusal("libsluice-fixture_no_record.so");
  EXPECT_THAT(why,
              HasSubstr("libsluice-fixture_no_record.so: not a Sluice plugin of this engine: it has no ABI record"));
  EXPECT_THAT(why, HasSubstr("older than plugin ABI 4 must be rebuilt"));
}

TEST(Loader, RefusesARecordWithoutAManifest) {
  EXPECT_THAT(refusal("libsluice-fixture_no_manifest.so"),
              HasSubstr("libsluice-fixture_no_manifest.so: not a Sluice plugin: it does not export "
                        "'sluice_plugin_manifest'"));
}

TEST(Loader, RefusesARecordCutShort) {
  EXPECT_THAT(refusal("libsluice-fixture_malformed_record.so"),
              HasSubstr("libsluice-fixture_malformed_record.so: its ABI record is malformed (a note claims " +
                        std::to_string(sizeof(sluice_abi_descriptor)) + " bytes of data but the section ends first)"));
}

TEST(Loader, RefusesATruncatedLibrary) {
  const fs::path half = edited_copy("libsluice-half.so", [](std::string& b) { b.resize(b.size() / 2); });
  EXPECT_THAT(refusal_of(half), HasSubstr("libsluice-half.so: truncated: its ELF section headers lie past the end"));
  const fs::path stub = edited_copy("libsluice-stub.so", [](std::string& b) { b.resize(20); });
  EXPECT_THAT(refusal_of(stub), HasSubstr("libsluice-stub.so: truncated: its ELF header is cut short"));
}

TEST(Loader, RefusesALibraryForAnotherMachine) {
  // e_machine, in the byte order of the file (this machine's): any machine but this one.
  const std::uint16_t foreign = [] {
    std::ifstream in(kFixtures / "libsluice-fixture_good.so", std::ios::binary);
    ElfW(Ehdr) h;
    in.read(reinterpret_cast<char*>(&h), sizeof h);
    return static_cast<std::uint16_t>(h.e_machine == EM_X86_64 ? EM_AARCH64 : EM_X86_64);
  }();
  const fs::path file = edited_copy("libsluice-foreign.so", [&](std::string& b) {
    std::memcpy(b.data() + offsetof(ElfW(Ehdr), e_machine), &foreign, sizeof foreign);
  });
  const auto why = refusal_of(file);
  EXPECT_THAT(why, HasSubstr("libsluice-foreign.so: built for "));
  EXPECT_THAT(why, HasSubstr("(ELF machine " + std::to_string(foreign) + "), but this engine runs on "));
}

// The file is hostile input: every offset and size in the ELF header and the section header table
// set to something absurd gets a refusal naming the file or a clean read, never a read out of
// bounds (run under ASan) or a huge allocation. Checked on the file alone: nothing is mapped.
TEST(Loader, AbsurdOffsetsAndSizesInTheFileAreRefusedCleanly) {
  std::ifstream in(kFixtures / "libsluice-fixture_good.so", std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ElfW(Ehdr) h;
  std::memcpy(&h, good.data(), sizeof h);
  // The fields a reader trusts: every word of the ELF header, and each section's offset and size.
  std::vector<std::size_t> words;
  for (std::size_t at = 16; at + 4 <= sizeof h; at += 4) words.push_back(at);
  for (std::size_t i = 0; i < h.e_shnum; ++i) {
    const std::size_t shdr = h.e_shoff + i * sizeof(ElfW(Shdr));
    words.push_back(shdr + offsetof(ElfW(Shdr), sh_offset));
    words.push_back(shdr + offsetof(ElfW(Shdr), sh_size));
  }
  int refused = 0;
  for (const std::size_t at : words) {
    const fs::path file =
        edited_copy("libsluice-absurd.so", [&](std::string& b) { std::memset(b.data() + at, 0xff, 4); });
    try {
      (void)inspect_plugin_file(file);
    } catch (const PluginLoadError& e) {
      EXPECT_THAT(e.what(), HasSubstr("libsluice-absurd.so: ")) << "byte " << at;
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

// The promise: a library refused on its file is never mapped, so not one line of it runs, not even
// a static initialiser. Each of these fixtures has one that leaves a mark.
TEST(Loader, NoCodeOfALibraryRefusedOnItsFileRuns) {
  LoadMarker marker;
  for (const char* name : {"fixture_wrong_abi", "fixture_wrong_toolchain", "fixture_no_entry", "fixture_no_record",
                           "fixture_no_manifest", "fixture_malformed_record"}) {
    const fs::path file = kFixtures / (std::string("libsluice-") + name + ".so");
    EXPECT_THAT(refusal_of(file), HasSubstr(file.string() + ": ")) << name;
    EXPECT_EQ(marker.contents(), "") << name << "'s static initialiser ran";
    EXPECT_FALSE(in_proc_self_maps(file)) << name << " is mapped into the process";
  }
  // The mark works: mapping one (bypassing the loader) runs its initialiser.
  void* handle = dlopen((kFixtures / "libsluice-fixture_wrong_abi.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_EQ(marker.contents(), "fixture_wrong_abi\n");
  dlclose(handle);
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
  EXPECT_THAT(refusal("libsluice-does-not-exist.so"),
              HasSubstr("libsluice-does-not-exist.so: cannot be read: No such file or directory"));
}

TEST(Loader, ScanningGoesOnPastBrokenLibraries) {
  PluginRegistry registry;
  registry.scan({kFixtures});
  ASSERT_NE(registry.find(ComponentKind::sink, "stall"), nullptr);
  ASSERT_EQ(registry.problems().size(), 8u);
  std::string all;
  for (const auto& p : registry.problems()) all += p + "\n";
  for (const char* file : {"fixture_wrong_abi", "fixture_wrong_toolchain", "fixture_no_entry", "fixture_no_record",
                           "fixture_no_manifest", "fixture_malformed_record", "not-a-library", "fixture_unresolved"}) {
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
  fs::path mapped;  // the private copy that is mapped (plugins/private_copy.hpp)
  {
    PluginRegistry registry;
    registry.load_file(file);
    const ComponentEntry* entry = registry.find(ComponentKind::sink, "stall");
    ASSERT_NE(entry, nullptr);
    sink.library = entry->library;
    sink.context = std::make_unique<Context>();
    sink.object = entry->spec->make_sink(Options{}, *sink.context);
    mapped = entry->library->mapped_file();
  }
  ASSERT_FALSE(is_mapped(file)) << "the library is mapped from its private copy, never from its file";
  EXPECT_TRUE(is_mapped(mapped)) << "the registry is gone but the sink still needs the code";
  sink.reset();
  EXPECT_FALSE(is_mapped(mapped)) << "the last user is gone, so the library is closed";
  EXPECT_FALSE(fs::exists(mapped)) << "and its private copy removed";
}

}  // namespace
}  // namespace sluice::plugins
