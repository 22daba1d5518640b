// `sluice new-plugin`: what it writes, and its refusals. That the folder it writes builds and passes
// its own test against an installed Sluice is checked by scripts/test-out-of-tree (CTest:
// out_of_tree_plugins).

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

Finished sluice(std::vector<std::string> args) {
  args.insert(args.begin(), SLUICE_TEST_BINARY);
  return run_finished(args);
}

class NewPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("new-plugin-" + std::to_string(getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(NewPlugin, WritesAFolderThatFindsTheInstalledSdk) {
  const auto r = sluice({"new-plugin", "audit_log", "--kind", "sink", dir_.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* file : {"CMakeLists.txt", "audit_log_plugin.cpp", "audit_log.hpp", "audit_log.cpp",
                           "audit_log_test.cpp", "pipeline.yaml"}) {
    EXPECT_TRUE(fs::is_regular_file(dir_ / file)) << file;
  }
  const std::string cmake = read(dir_ / "CMakeLists.txt");
  EXPECT_THAT(cmake, HasSubstr("find_package(Sluice 0.1 REQUIRED)"));
  EXPECT_THAT(cmake, HasSubstr("sluice_add_plugin(audit_log SOURCES audit_log_plugin.cpp audit_log.cpp)"));
  EXPECT_THAT(read(dir_ / "audit_log.hpp"), HasSubstr("class AuditLogSink final : public sluice::Sink"));
  EXPECT_THAT(read(dir_ / "audit_log_plugin.cpp"),
              HasSubstr("sluice::sink_component<audit_log_plugin::AuditLogSink>(\"audit_log\""));
  EXPECT_THAT(r.out,
              HasSubstr("cmake --build " + dir_.string() + "/build && ctest --test-dir " + dir_.string() + "/build"));
}

TEST_F(NewPlugin, RefusesABadNameOrKindAndWritesNothing) {
  auto r = sluice({"new-plugin", "Bad-Name", "--kind", "sink", dir_.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("'Bad-Name' is not a plugin name: use 1 to 40 lowercase letters, digits and _"));
  r = sluice({"new-plugin", "good", "--kind", "filter", dir_.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown kind 'filter'; expected source, transform or sink"));
  r = sluice({"new-plugin", "good", dir_.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("say which kind of component: --kind source, --kind transform or --kind sink"));
  r = sluice({"new-plugin", "--kind", "sink"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("expected a plugin name"));
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(NewPlugin, RefusesANameCMakeKeepsForItsOwnTargets) {
  // The name becomes a CMake target, and CMake refuses `test` (with CTest), `install`, `all`, ...:
  // the folder would not even configure.
  for (const char* name : {"test", "install", "all", "package"}) {
    const auto r = sluice({"new-plugin", name, "--kind", "sink", dir_.string()});
    EXPECT_EQ(r.code, 2) << name;
    EXPECT_THAT(r.err,
                HasSubstr(std::string("'") + name + "' is a name CMake keeps for its own targets; choose another"));
  }
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(NewPlugin, RefusesAFolderThatIsNotEmptyAndLeavesItAlone) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "mine.txt") << "keep me";
  const auto r = sluice({"new-plugin", "good", "--kind", "transform", dir_.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir_.string() + " is not empty; give a new or empty folder (nothing was written)"));
  EXPECT_EQ(read(dir_ / "mine.txt"), "keep me");
  EXPECT_FALSE(fs::exists(dir_ / "CMakeLists.txt"));
  // An empty folder is fine.
  fs::remove(dir_ / "mine.txt");
  EXPECT_EQ(sluice({"new-plugin", "good", "--kind", "transform", dir_.string()}).code, 0);
}

TEST(NewPluginUsage, TheHelpListsIt) {
  const auto r = sluice({"--help"});
  EXPECT_THAT(r.out, HasSubstr("new-plugin NAME --kind source|transform|sink [DIR]"));
}

}  // namespace
}  // namespace sluice::test
