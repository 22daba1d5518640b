// Static files: no dotfiles, nothing outside the folder, and a bounded cache read once.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "static_files.hpp"

namespace sluice::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("sluice-static-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root / "web" / "sub");
    fs::create_directories(root / "web" / ".hidden");
    write("web/index.html", "<p>index</p>");
    write("web/sub/a.js", "let a = 1;");
    write("web/.gitignore", "secret");
    write("web/.hidden/file.txt", "secret");
    write("outside.txt", "secret");
    fs::create_symlink(root / "outside.txt", root / "web" / "link.txt");
    fs::create_directory_symlink(root / "web" / ".hidden", root / "web" / "visible");
  }
  void TearDown() override { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
  fs::path root;
};

TEST_F(StaticFilesTest, ServesFilesAndIndexes) {
  StaticFiles files((root / "web").string());
  auto index = files.find("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(*index->body, "<p>index</p>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  auto js = files.find("/sub/a.js?v=1");
  ASSERT_TRUE(js);
  EXPECT_EQ(*js->body, "let a = 1;");
}

TEST_F(StaticFilesTest, NoDotfilesAndNothingOutsideTheFolder) {
  StaticFiles files((root / "web").string());
  for (const char* path : {"/.gitignore", "/%2Egitignore", "/.hidden/file.txt", "/sub/../.gitignore", "/../outside.txt",
                           "/sub/%2e%2e/%2e%2e/outside.txt", "/link.txt", "/visible/file.txt", "/./index.html"}) {
    EXPECT_FALSE(files.find(path)) << path;
  }
}

TEST_F(StaticFilesTest, FilesAreReadOnceAndAgainWhenChanged) {
  StaticFiles files((root / "web").string());
  ASSERT_TRUE(files.find("/sub/a.js"));
  ASSERT_TRUE(files.find("/sub/a.js"));
  ASSERT_TRUE(files.find("/sub/a.js"));
  EXPECT_EQ(files.reads(), 1u) << "served from memory after the first request";
  write("web/sub/a.js", "let a = 22;");  // another size: seen as changed whatever the clock
  auto changed = files.find("/sub/a.js");
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed->body, "let a = 22;");
  EXPECT_EQ(files.reads(), 2u);
}

TEST_F(StaticFilesTest, TheCacheStaysUnderItsCapAndAFileLargerThanItIsNotServed) {
  write("web/big.txt", std::string(3000, 'b'));
  write("web/one.txt", std::string(600, '1'));
  write("web/two.txt", std::string(600, '2'));
  StaticFiles files((root / "web").string(), 1024);
  EXPECT_FALSE(files.find("/big.txt"));
  ASSERT_TRUE(files.find("/one.txt"));
  ASSERT_TRUE(files.find("/two.txt"));
  EXPECT_LE(files.cached_bytes(), 1024u);
  ASSERT_TRUE(files.find("/one.txt"));  // evicted by two.txt: read again
  EXPECT_EQ(files.reads(), 3u);
  EXPECT_LE(files.cached_bytes(), 1024u);
}

}  // namespace
}  // namespace sluice::http
