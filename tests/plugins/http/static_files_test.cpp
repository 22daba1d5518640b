// Static files: the content type by extension, a folder's index.html, no dotfiles, nothing outside
// the folder whatever the URL or the symlinks say, a bounded cache read once; and over a real
// socket, HEAD answers what GET would without the body.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "http_test_server.hpp"
#include "sluice/errors.hpp"
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

TEST(StaticFilesMime, EveryTypeThePagesUseAndOctetStreamForTheRest) {
  const std::pair<const char*, const char*> expected[] = {
      {"a.html", "text/html; charset=utf-8"},
      {"a.htm", "text/html; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.json", "application/json"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.jpg", "image/jpeg"},
      {"a.jpeg", "image/jpeg"},
      {"a.ico", "image/x-icon"},
      {"a.txt", "text/plain; charset=utf-8"},
      {"uPlot.min.js.map", "application/json"},
      {"a.woff2", "font/woff2"},
      // Unknown types are never guessed as something a browser would run or render.
      {"a.exe", "application/octet-stream"},
      {"README", "application/octet-stream"},
      {"a.HTML", "application/octet-stream"},
      {"a.html.bak", "application/octet-stream"},
      {"dir.js/file", "application/octet-stream"},
  };
  for (const auto& [file, type] : expected) EXPECT_EQ(mime_type(file), type) << file;
}

TEST_F(StaticFilesTest, TheContentTypeComesFromTheFilesExtension) {
  write("web/style.css", "p{}");
  write("web/data.json", "{}");
  write("web/blob", "x");
  StaticFiles files((root / "web").string());
  EXPECT_EQ(files.find("/style.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(files.find("/data.json")->content_type, "application/json");
  EXPECT_EQ(files.find("/sub/a.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.find("/blob")->content_type, "application/octet-stream");
}

TEST_F(StaticFilesTest, AFolderServesItsIndexHtmlAndAFolderWithoutOneNothing) {
  fs::create_directories(root / "web" / "dashboard");
  write("web/dashboard/index.html", "<p>dashboard</p>");
  StaticFiles files((root / "web").string());
  for (const char* path : {"/dashboard/", "/dashboard", "/dashboard/index.html", "/dashboard/?v=2"}) {
    const auto file = files.find(path);
    ASSERT_TRUE(file) << path;
    EXPECT_EQ(*file->body, "<p>dashboard</p>") << path;
    EXPECT_EQ(file->content_type, "text/html; charset=utf-8") << path;
  }
  EXPECT_FALSE(files.find("/sub/")) << "a folder without index.html: no listing";
  EXPECT_FALSE(files.find("/sub"));
  EXPECT_FALSE(files.find("/missing.html"));
  EXPECT_FALSE(files.find("/index.html/")) << "a file is not a folder";
}

TEST_F(StaticFilesTest, ThePathIsUrlDecodedOnceAndMalformedEscapesAreNotFound) {
  write("web/with space.txt", "spaced");
  StaticFiles files((root / "web").string());
  const auto spaced = files.find("/with%20space.txt");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(*spaced->body, "spaced");
  EXPECT_TRUE(files.find("/sub/%61.js")) << "%61 is a";
  EXPECT_TRUE(files.find("/sub/a.js#fragment"));
  for (const char* path : {"/with%2", "/with%zz.txt", "/sub%2fa.js%00", "/index.html%00.txt", "/%", "/sub/%2561.js"}) {
    EXPECT_FALSE(files.find(path)) << path;
  }
}

TEST_F(StaticFilesTest, OnlyAbsolutePathsAreServed) {
  StaticFiles files((root / "web").string());
  for (const char* path : {"", "index.html", "sub/a.js", "?/index.html", "#/"}) EXPECT_FALSE(files.find(path)) << path;
  EXPECT_TRUE(files.find("//sub//a.js")) << "repeated slashes stay inside the folder";
}

TEST_F(StaticFilesTest, TraversalInEveryEncodingStaysInside) {
  StaticFiles files((root / "web").string());
  for (const char* path :
       {"/..", "/../", "/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E%2Foutside.txt",
        "/sub/..%2f..%2foutside.txt", "/..%5coutside.txt", "/sub/./a.js", "/.%2e/outside.txt", "/..\\outside.txt"}) {
    EXPECT_FALSE(files.find(path)) << path;
  }
  // A root given with ".." and a trailing slash is the same folder, checked the same way.
  StaticFiles same((root / "web" / "sub" / ".." / "").string());
  EXPECT_TRUE(same.find("/index.html"));
  EXPECT_FALSE(same.find("/../outside.txt"));
}

TEST_F(StaticFilesTest, ASymlinkIsFollowedOnlyWhileItStaysInsideAndOutOfDotFolders) {
  fs::create_symlink(root / "web" / "sub" / "a.js", root / "web" / "alias.js");     // inside: served
  fs::create_directory_symlink(root / "web" / "sub", root / "web" / "linked");      // inside: served
  fs::create_directory_symlink(root, root / "web" / "up");                          // leads out
  fs::create_symlink(root / "web" / ".gitignore", root / "web" / "gitignore.txt");  // leads to a dotfile
  fs::create_symlink(root / "web" / "nowhere", root / "web" / "dangling.txt");
  StaticFiles files((root / "web").string());
  const auto alias = files.find("/alias.js");
  ASSERT_TRUE(alias);
  EXPECT_EQ(*alias->body, "let a = 1;");
  EXPECT_EQ(alias->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(files.find("/linked/a.js"));
  // Judged by where the file really is: through `up` and back into the folder is still inside.
  EXPECT_TRUE(files.find("/up/web/index.html"));
  for (const char* path : {"/up/outside.txt", "/link.txt", "/visible/file.txt", "/gitignore.txt", "/dangling.txt"}) {
    EXPECT_FALSE(files.find(path)) << path;
  }
}

TEST_F(StaticFilesTest, OnlyRegularFilesAreServed) {
  ASSERT_EQ(::mkfifo((root / "web" / "pipe.txt").c_str(), 0600), 0);  // reading it would block forever
  StaticFiles files((root / "web").string());
  EXPECT_FALSE(files.find("/pipe.txt"));
}

TEST_F(StaticFilesTest, AnEmptyRootServesNothingAndAMissingOneIsAConfigError) {
  StaticFiles none("");
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.find("/index.html"));
  EXPECT_THROW(StaticFiles((root / "missing").string()), ConfigError);
  EXPECT_THROW(StaticFiles((root / "outside.txt").string()), ConfigError) << "a file is not a folder";
}

// Over a real socket: HEAD gets GET's status and headers (type, length) and no body, for a file and
// for a 404; a second request on the same connection proves no body bytes were sent after a HEAD.
TEST_F(StaticFilesTest, HeadAnswersWhatGetWouldWithoutTheBody) {
  write("web/page.html", std::string(1234, 'x'));
  test::TestServer server(test::click_routes((root / "web").string()));
  for (const char* path : {"/page.html", "/sub/a.js", "/frontend/missing.js"}) {
    test::RawClient client(server.port());
    client.send(std::string("HEAD ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + "GET " + path +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const auto head = client.read_answer(std::chrono::seconds(5), /*to_head=*/true);
    ASSERT_TRUE(head) << path;
    const auto get = client.read_answer();
    ASSERT_TRUE(get) << path << ": the GET after the HEAD was not answered as one (a body after the HEAD?)";
    EXPECT_EQ(head->status, get->status) << path;
    EXPECT_EQ(head->header("Content-Type"), get->header("Content-Type")) << path;
    EXPECT_EQ(head->header("Content-Length"), std::to_string(get->body.size())) << path;
    EXPECT_EQ(head->body, "") << path;
    EXPECT_FALSE(get->body.empty()) << path;
  }
  const auto page = test::exchange(server.port(), "GET /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, std::string(1234, 'x'));
  EXPECT_EQ(page->header("Content-Type"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace sluice::http
