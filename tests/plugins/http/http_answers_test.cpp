// The http source over a real socket, byte for byte: every request gets one answer with a JSON
// body, hostile bytes included, and an answer that ends the connection ends it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "http_test_server.hpp"

namespace sluice::http::test {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// --- item 3: bytes that are not UTF-8 still get a JSON answer ---

TEST(HttpAnswers, APathThatIsNotUtf8Gets404WithValidJson) {
  TestServer server;
  const auto a = exchange(server.port(), "GET /\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(a) << "answered";
  EXPECT_EQ(a->status, 404);
  EXPECT_TRUE(valid_json(a->body)) << a->body;
  EXPECT_THAT(a->body, HasSubstr(kReplacement));
}

TEST(HttpAnswers, AnOriginThatIsNotUtf8Gets403WithValidJson) {
  TestServer server;
  const auto a = exchange(server.port(), post("/click", "{}", "Origin: http://\xc3\x28.example\r\n"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 403);
  EXPECT_TRUE(valid_json(a->body)) << a->body;
}

TEST(HttpAnswers, ABodyThatIsNotUtf8Gets400WithValidJson) {
  TestServer server;
  for (const std::string body : {"{\"page\": \"\xff\"}", "\xff", "{\"a\": 1}\xc0", "[\"\xed\xa0\x80\"]"}) {
    for (const std::string path : {"/click", "/clicks"}) {
      const auto a = exchange(server.port(), post(path, body));
      ASSERT_TRUE(a) << path << " " << body;
      EXPECT_EQ(a->status, 400) << path << " " << body;
      EXPECT_TRUE(valid_json(a->body)) << a->body;
    }
  }
  EXPECT_TRUE(server.emitter().payloads().empty());
}

TEST(HttpAnswers, EveryApiAnswerIsJsonIncluding405And302And404) {
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-http-json-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "frontend");
  std::ofstream(dir / "frontend" / "index.html") << "<p>hi</p>";
  TestServer server(click_routes(dir.string()));
  const auto health = exchange(server.port(), "POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 405);
  EXPECT_EQ(health->header("Allow"), "GET, HEAD");
  EXPECT_EQ(health->header("Content-Type"), "application/json");
  EXPECT_TRUE(valid_json(health->body)) << health->body;
  const auto redirect = exchange(server.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->header("Location"), "/frontend/");
  EXPECT_TRUE(valid_json(redirect->body)) << redirect->body;
  const auto missing = exchange(server.port(), "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(valid_json(missing->body));
  std::filesystem::remove_all(dir);
}

// --- item 4: the stored payload is JSON text, without a byte order mark ---

TEST(HttpAnswers, ABodyWithAByteOrderMarkIsStoredWithoutIt) {
  TestServer server;
  const auto a = exchange(server.port(), post("/click", "\xEF\xBB\xBF{\"page\": \"p\"}"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200) << a->body;
  const auto stored = server.emitter().payloads();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], "{\"page\": \"p\"}");
  EXPECT_TRUE(valid_json(stored[0]));
  EXPECT_THAT(a->body, HasSubstr(server.emitter().ids()[0])) << "the id answered is the id stored";
}

// --- item 6: max_connections is enforced at accept ---

TEST(HttpAnswers, AConnectionOverMaxConnectionsGets503AtOnceWithoutSendingARequest) {
  TestServer server("max_connections: 1, read_timeout: 60s");
  RawClient first(server.port());
  RawClient second(server.port());
  // The second sends nothing: before, it waited read_timeout (60s) for a request to answer.
  const auto a = second.read_answer(5s);
  ASSERT_TRUE(a) << "answered promptly";
  EXPECT_EQ(a->status, 503);
  EXPECT_EQ(a->header("Retry-After"), "1");
  EXPECT_TRUE(valid_json(a->body));
  EXPECT_THAT(a->body, HasSubstr("too many connections"));
  EXPECT_TRUE(second.closed_by_server()) << "and closed";
  first.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const auto served = first.read_answer();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200) << "the connection within the limit is served";
}

// --- item 9: request smuggling ---

struct SmuggleCase {
  std::string transfer_encoding;
  int status;
};

TEST(HttpAnswers, ATransferEncodingWeCannotFrameIsRefusedAndTheRestIsNeverRead) {
  TestServer server;
  const SmuggleCase cases[] = {{"chunked, identity", 400}, {"gzip", 400},
                               {"identity", 400},          {"gzip, chunked", 501},
                               {"chunked, chunked", 400},  {"x-custom, chunked", 501}};
  for (const auto& c : cases) {
    RawClient client(server.port());
    // What follows the headers is, to a server that believes "no body", a second request.
    client.send("POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: " +
                c.transfer_encoding + "\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const auto answers = split_answers(client.read_to_end());
    ASSERT_EQ(answers.size(), 1u) << c.transfer_encoding << ": one answer, then the connection closes";
    EXPECT_EQ(answers[0].status, c.status) << c.transfer_encoding;
    EXPECT_TRUE(valid_json(answers[0].body)) << answers[0].body;
  }
  EXPECT_TRUE(server.emitter().payloads().empty());
}

TEST(HttpAnswers, ContentLengthWithTransferEncodingIs400AndClosed) {
  TestServer server;
  for (const std::string order : {"cl-first", "te-first"}) {
    const std::string cl = "Content-Length: 4\r\n";
    const std::string te = "Transfer-Encoding: chunked\r\n";
    RawClient client(server.port());
    client.send("POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                (order == "cl-first" ? cl + te : te + cl) +
                "\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const auto answers = split_answers(client.read_to_end());
    ASSERT_EQ(answers.size(), 1u) << order;
    EXPECT_EQ(answers[0].status, 400) << order;
    EXPECT_TRUE(valid_json(answers[0].body));
  }
}

TEST(HttpAnswers, PlainChunkedStillWorks) {
  TestServer server;
  const auto a = exchange(server.port(),
                          "POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: Chunked\r\n\r\nd\r\n{\"page\": \"p\"}\r\n0\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200) << a->body;
}

// --- item 10: DNS rebinding ---

TEST(HttpAnswers, AForeignHostGets421WithJsonAndAListedOneIsServed) {
  TestServer server("allowed_hosts: [clicks.example.com]");
  const auto foreign = exchange(server.port(),
                                "POST /click HTTP/1.1\r\nHost: evil.example:5000\r\n"
                                "Origin: http://evil.example:5000\r\nContent-Type: application/json\r\n"
                                "Content-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 421);
  EXPECT_TRUE(valid_json(foreign->body));
  EXPECT_TRUE(server.emitter().payloads().empty());
  const auto health = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 421) << "every request, not only the API";
  const auto listed = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: clicks.example.com\r\n\r\n");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  const auto local =
      exchange(server.port(), "GET /health HTTP/1.1\r\nHost: localhost:" + std::to_string(server.port()) + "\r\n\r\n");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

// A keep-alive connection's Host is checked once while it stays the same (the session remembers the
// last one allowed): a different Host on the same connection is checked again, and refused.
TEST(HttpAnswers, AForeignHostLaterOnAKeptAliveConnectionStillGets421) {
  TestServer server("allowed_hosts: [clicks.example.com]");
  RawClient client(server.port());
  client.send(
      "GET /health HTTP/1.1\r\nHost: clicks.example.com\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: clicks.example.com\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n"  // refused, not remembered
      "GET /health HTTP/1.1\r\nHost: clicks.example.com\r\n\r\n");
  for (const int expected : {200, 200, 421, 421, 200}) {
    const auto a = client.read_answer();
    ASSERT_TRUE(a) << "expected " << expected;
    EXPECT_EQ(a->status, expected);
  }
}

// --- item 11: static files over the socket ---

TEST(HttpAnswers, StaticFilesHeadGivesTheLengthAndDotfilesAreNotServed) {
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-http-static-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / ".git");
  std::ofstream(dir / "page.html") << std::string(1234, 'x');
  std::ofstream(dir / ".gitignore") << "secret";
  std::ofstream(dir / ".git" / "config") << "secret";
  TestServer server(click_routes(dir.string()));
  const auto head = exchange(server.port(), "HEAD /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "1234");
  EXPECT_EQ(head->body, "");
  for (const char* path : {"/.gitignore", "/.git/config", "/%2egitignore", "/sub/../.gitignore"}) {
    const auto a = exchange(server.port(), std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ASSERT_TRUE(a) << path;
    EXPECT_EQ(a->status, 404) << path;
    EXPECT_THAT(a->body, ::testing::Not(HasSubstr("secret")));
  }
  std::filesystem::remove_all(dir);
}

// --- item 12: malformed requests are answered, then closed ---

TEST(HttpAnswers, MalformedRequestsGet400AndOversizedHeaders431ThenClose) {
  TestServer server;
  const std::pair<std::string, int> cases[] = {
      {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n", 400},
      {"G\x01T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},
      {"GET \x7f HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/9\r\n\r\n", 400},
      {"POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n", 400},
      {"POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n", 431},
      {"GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 431},
  };
  for (const auto& [request, status] : cases) {
    RawClient client(server.port());
    client.send(request);
    const auto answers = split_answers(client.read_to_end());
    ASSERT_EQ(answers.size(), 1u) << request.substr(0, 60);
    EXPECT_EQ(answers[0].status, status) << request.substr(0, 60);
    EXPECT_TRUE(valid_json(answers[0].body)) << answers[0].body;
  }
}

// --- item 16: per-client rate limit ---

TEST(HttpAnswers, AClientOverItsRateGets429WithRetryAfterAndOthersAreNotAffected) {
  TestServer server("rate_limit: 0.5, rate_burst: 3, trusted_proxies: [127.0.0.1]");
  auto click_from = [&](const std::string& forwarded) {
    return exchange(server.port(), post("/click", "{\"page\": \"p\"}", "X-Forwarded-For: " + forwarded + "\r\n"));
  };
  // A batch of 3 events uses the first client's whole burst.
  const auto batch =
      exchange(server.port(), post("/clicks", "[{\"a\":1},{\"a\":2},{\"a\":3}]", "X-Forwarded-For: 203.0.113.1\r\n"));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->status, 200) << batch->body;
  const auto limited = click_from("203.0.113.1");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->header("Retry-After"), "2");
  EXPECT_TRUE(valid_json(limited->body)) << limited->body;
  // A client cannot escape by writing its own X-Forwarded-For: the proxy appended the real one.
  const auto spoofed = click_from("198.51.100.9, 203.0.113.1");
  ASSERT_TRUE(spoofed);
  EXPECT_EQ(spoofed->status, 429);
  const auto other = click_from("203.0.113.2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200) << "another client behind the same proxy has its own bucket";
  EXPECT_EQ(server.emitter().payloads().size(), 4u);
}

}  // namespace
}  // namespace sluice::http::test
