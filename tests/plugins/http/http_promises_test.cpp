// Promises of the README's http source reference, over a real socket: `max_batch` (a POST /clicks
// with more events is refused whole, 400, nothing stored) and `cors_origins` ("*" allows any web
// origin: its preflight and its POST get the CORS headers a browser needs; without it a foreign
// origin gets 403).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_test_server.hpp"

namespace sluice::http::test {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

std::string post(const std::string& path, const std::string& body, const std::string& content_type = "application/json",
                 const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type + "\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string array_of(int n) {
  std::string out = "[";
  for (int i = 1; i <= n; ++i)
    out += (i > 1 ? "," : "") + std::string(R"({"page":"b","clickNumber":)") + std::to_string(i) + "}";
  return out + "]";
}

std::string ndjson_of(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += R"({"page":"b","clickNumber":)" + std::to_string(i) + "}\n";
  return out;
}

TEST(HttpPromises, ABatchOfMaxBatchEventsIsTakenAndOneMoreIsRefusedWhole) {
  TestServer server("max_batch: 3");
  for (const auto& [body, type] :
       {std::pair{array_of(3), "application/json"}, std::pair{ndjson_of(3), "application/x-ndjson"}}) {
    const auto a = exchange(server.port(), post("/clicks", body, type));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 200) << type << ": " << a->body;
    EXPECT_EQ(json::parse(a->body)["ids"].size(), 3u);
  }
  ASSERT_EQ(server.emitter().payloads().size(), 6u);
  for (const auto& [body, type] :
       {std::pair{array_of(4), "application/json"}, std::pair{ndjson_of(4), "application/x-ndjson"}}) {
    const auto a = exchange(server.port(), post("/clicks", body, type));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 400) << type << ": " << a->body;
    EXPECT_EQ(json::parse(a->body)["error"], "more than 3 events in one request") << type;
  }
  EXPECT_EQ(server.emitter().payloads().size(), 6u) << "nothing of a refused batch is stored";
}

// The preflight a browser sends before a cross-origin POST with Content-Type: application/json.
std::string preflight(const std::string& origin) {
  return "OPTIONS /click HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + origin +
         "\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n";
}

TEST(HttpPromises, CorsOriginsStarAllowsAnyOriginsPreflightAndPost) {
  TestServer server(click_routes("", "['*']"));
  for (const std::string origin : {"https://any.example", "http://localhost:8000", "null"}) {
    const auto pre = exchange(server.port(), preflight(origin));
    ASSERT_TRUE(pre) << origin;
    EXPECT_EQ(pre->status, 204) << origin;
    EXPECT_EQ(pre->body, "");
    EXPECT_EQ(pre->header("Access-Control-Allow-Origin"), origin);
    EXPECT_EQ(pre->header("Vary"), "Origin") << "a cache must not give one origin's answer to another";
    EXPECT_THAT(pre->header("Access-Control-Allow-Methods"), HasSubstr("POST"));
    EXPECT_THAT(pre->header("Access-Control-Allow-Headers"), HasSubstr("Content-Type"));

    const auto a =
        exchange(server.port(), post("/click", R"({"page":"cors"})", "application/json", "Origin: " + origin + "\r\n"));
    ASSERT_TRUE(a) << origin;
    EXPECT_EQ(a->status, 200) << origin << ": " << a->body;
    EXPECT_EQ(a->header("Access-Control-Allow-Origin"), origin) << "the page may read the answer";
    EXPECT_EQ(a->header("Vary"), "Origin");
  }
  EXPECT_EQ(server.emitter().payloads().size(), 3u);
}

TEST(HttpPromises, WithoutCorsOriginsAForeignOriginIsRefusedAndAListedOneIsNot) {
  TestServer server(click_routes("", "['http://localhost:8000']"));
  const auto pre = exchange(server.port(), preflight("https://any.example"));
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 403);
  EXPECT_EQ(pre->header("Access-Control-Allow-Origin"), "");
  const auto a =
      exchange(server.port(), post("/click", R"({"page":"cors"})", "text/plain", "Origin: https://any.example\r\n"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 403) << "checked on the POST too: a text/plain POST gets no preflight";
  EXPECT_EQ(a->header("Access-Control-Allow-Origin"), "");
  EXPECT_TRUE(server.emitter().payloads().empty());

  const auto listed = exchange(
      server.port(), post("/click", R"({"page":"cors"})", "application/json", "Origin: http://localhost:8000\r\n"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_EQ(listed->header("Access-Control-Allow-Origin"), "http://localhost:8000");
}

}  // namespace
}  // namespace sluice::http::test
