// The toolchain tag and Boost: a plugin that includes sluice/asio.hpp records the Boost version it
// was built against, and the engine refuses one built against another Boost (Context::io crosses
// the boundary); a plugin without Boost in its tag loads as before.

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/plugin_file.hpp"
#include "plugins/plugin_library.hpp"

namespace sluice::plugins {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path kFixtures = SLUICE_TEST_BOOST_TAG_FIXTURE_DIR;

TEST(LoaderBoostTag, ThisEnginesTagNamesItsBoost) {
  EXPECT_EQ(std::string(SLUICE_TOOLCHAIN_TAG), std::string(SLUICE_BASE_TOOLCHAIN_TAG "/boost" BOOST_LIB_VERSION));
}

TEST(LoaderBoostTag, APluginBuiltWithSluiceAsioRecordsTheBoostItWasBuiltAgainst) {
  // Every plugin of this repository links Sluice::asio.
  const auto facts = inspect_plugin_file(fs::path(SLUICE_TEST_PLUGIN_DIR) / "libsluice-drop.so");
  EXPECT_EQ(facts.record.toolchain, SLUICE_TOOLCHAIN_TAG);
}

TEST(LoaderBoostTag, APluginWithoutBoostInItsTagLoads) {
  const auto lib = PluginLibrary::open(kFixtures / "libsluice-fixture_boost_none.so");
  ASSERT_EQ(lib->manifest().components().size(), 1u);
  EXPECT_EQ(lib->manifest().components()[0].type, "boost_none");
}

TEST(LoaderBoostTag, APluginBuiltAgainstAnotherBoostIsRefusedUnmapped) {
  // The fixture aborts if mapped without this variable (tests/fixtures/plugins/load_marker.hpp).
  const fs::path marker = fs::path(::testing::TempDir()) / "sluice-boost-tag-marker";
  fs::remove(marker);
  setenv("SLUICE_FIXTURE_LOAD_MARKER", marker.c_str(), 1);
  const fs::path file = kFixtures / "libsluice-fixture_boost_other.so";
  std::string why;
  try {
    (void)PluginLibrary::open(file);
    ADD_FAILURE() << "a plugin built against Boost 1_0 was loaded";
  } catch (const PluginLoadError& e) {
    why = e.what();
  }
  unsetenv("SLUICE_FIXTURE_LOAD_MARKER");
  EXPECT_THAT(why, HasSubstr(file.string() + ": built against Boost 1_0 (it includes sluice/asio.hpp), but this engine "
                                             "was built with Boost " BOOST_LIB_VERSION));
  EXPECT_THAT(why, HasSubstr("rebuild the plugin against Boost " BOOST_LIB_VERSION));
  EXPECT_FALSE(fs::exists(marker)) << "its static initialiser ran";
}

}  // namespace
}  // namespace sluice::plugins
