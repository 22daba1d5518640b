// The http source's `routes` (route_table.hpp), over a real socket: a route the click tracker does
// not have (POST /orders with its own content type), what it refuses (405 with Allow, 415), single
// and batch bodies, a static mount and a redirect, and CORS that differs between two routes.

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_test_server.hpp"

namespace sluice::http::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

std::string request(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& content_type = "application/json", const std::string& extra = "") {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra;
  if (!body.empty() || method == "POST" || method == "PUT") {
    out += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + "\r\n" + body;
}

const std::string kOrders =
    "routes: [{path: /orders, action: events, methods: [POST, PUT], content_types: [application/vnd.shop+json], "
    "body: batch}, {path: /order, action: events}]";

TEST(HttpRoutes, ACustomRouteTakesItsContentTypeAndBecomesEvents) {
  TestServer server(kOrders);
  const auto a = exchange(server.port(), request("POST", "/orders", R"([{"sku":"a"},{"sku":"b"}])",
                                                 "application/vnd.shop+json; charset=utf-8"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(json::parse(a->body)["ids"].size(), 2u);
  const auto put = exchange(
      server.port(), request("PUT", "/orders", "{\"sku\":\"c\"}\n{\"sku\":\"d\"}\n", "Application/Vnd.Shop+JSON"));
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << "NDJSON, by a second declared method: " << put->body;
  EXPECT_EQ(server.emitter().payloads(),
            (std::vector<std::string>{R"({"sku":"a"})", R"({"sku":"b"})", R"({"sku":"c"})", R"({"sku":"d"})"}));
}

TEST(HttpRoutes, AMethodTheRouteDoesNotDeclareGets405WithAllow) {
  TestServer server(kOrders);
  for (const std::string method : {"GET", "DELETE", "PATCH"}) {
    const auto a = exchange(server.port(), request(method, "/orders"));
    ASSERT_TRUE(a) << method;
    EXPECT_EQ(a->status, 405) << method;
    EXPECT_EQ(a->header("Allow"), "POST, PUT, OPTIONS") << method;
    EXPECT_EQ(json::parse(a->body)["error"], method + " is not allowed on /orders; use POST or PUT");
  }
  const auto single = exchange(server.port(), request("PUT", "/order", "{}"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->status, 405);
  EXPECT_EQ(single->header("Allow"), "POST, OPTIONS") << "methods default to POST";
  EXPECT_TRUE(server.emitter().payloads().empty());
}

TEST(HttpRoutes, AContentTypeTheRouteDoesNotDeclareGets415) {
  TestServer server(kOrders);
  for (const std::string type : {"application/json", "text/plain", "application/x-ndjson"}) {
    const auto a = exchange(server.port(), request("POST", "/orders", R"([{"sku":"a"}])", type));
    ASSERT_TRUE(a) << type;
    EXPECT_EQ(a->status, 415) << type;
    EXPECT_EQ(json::parse(a->body)["error"], "send application/vnd.shop+json") << type;
  }
  const auto plain = exchange(server.port(), request("POST", "/order", "{}", "text/plain"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 415) << "content_types default to application/json alone";
  EXPECT_TRUE(server.emitter().payloads().empty());
}

TEST(HttpRoutes, ASingleRouteTakesOneDocumentAndABatchRouteAnArrayOfThem) {
  TestServer server(kOrders);
  // On a single route an array is one event: the document is the array.
  const auto one = exchange(server.port(), request("POST", "/order", R"([{"sku":"a"},{"sku":"b"}])"));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200) << one->body;
  EXPECT_EQ(json::parse(one->body)["ids"].size(), 1u);
  const auto ndjson = exchange(server.port(), request("POST", "/order", "{\"sku\":\"a\"}\n{\"sku\":\"b\"}\n"));
  ASSERT_TRUE(ndjson);
  EXPECT_EQ(ndjson->status, 400) << "two documents are not one: " << ndjson->body;
  EXPECT_EQ(server.emitter().payloads(), (std::vector<std::string>{R"([{"sku":"a"},{"sku":"b"}])"}));
}

TEST(HttpRoutes, AStaticMountServesItsFolderUnderItsPathAndARedirectAnswersItsStatus) {
  const fs::path dir = fs::temp_directory_path() / ("sluice-routes-" + std::to_string(::getpid()));
  fs::create_directories(dir / "docs");
  std::ofstream(dir / "docs" / "index.html") << "<h1>docs</h1>";
  std::ofstream(dir / "app.js") << "let x = 1;";
  TestServer server("routes: [{path: /assets/, action: static, folder: '" + dir.string() +
                    "'}, {path: /old, action: redirect, location: /assets/docs/, status: 301}, "
                    "{path: /assets, action: redirect, location: /assets/docs/}]");
  const auto js = exchange(server.port(), request("GET", "/assets/app.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "let x = 1;");
  EXPECT_EQ(js->header("Content-Type"), "text/javascript; charset=utf-8");
  const auto index = exchange(server.port(), request("GET", "/assets/docs/"));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<h1>docs</h1>");
  for (const std::string outside : {"/app.js", "/assetsapp.js", "/docs/"}) {
    const auto a = exchange(server.port(), request("GET", outside));
    ASSERT_TRUE(a) << outside;
    EXPECT_EQ(a->status, 404) << outside << " is not under the mount";
    EXPECT_EQ(json::parse(a->body)["error"], "no such path: " + outside);
  }
  const auto moved = exchange(server.port(), request("GET", "/old"));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, 301);
  EXPECT_EQ(moved->header("Location"), "/assets/docs/");
  // The exact route wins over the mount that also holds its path.
  const auto bare = exchange(server.port(), request("GET", "/assets"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 302);
  EXPECT_EQ(bare->header("Location"), "/assets/docs/");
  const auto post = exchange(server.port(), request("POST", "/assets/app.js", "{}"));
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404) << "a mount answers GET and HEAD only";
  fs::remove_all(dir);
}

std::string preflight(const std::string& path, const std::string& origin) {
  return "OPTIONS " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + origin +
         "\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n";
}

TEST(HttpRoutes, EachRouteHasItsOwnCorsOrigins) {
  TestServer server(
      "routes: [{path: /public, action: events, cors_origins: ['*']}, "
      "{path: /partner, action: events, methods: [PUT], cors_origins: ['https://partner.example']}, "
      "{path: /internal, action: events}]");
  const std::string stranger = "https://stranger.example";
  const auto open = exchange(server.port(), preflight("/public", stranger));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 204);
  EXPECT_EQ(open->header("Access-Control-Allow-Origin"), stranger);
  EXPECT_EQ(open->header("Access-Control-Allow-Methods"), "POST, OPTIONS");
  for (const std::string path : {"/partner", "/internal"}) {
    const auto closed = exchange(server.port(), preflight(path, stranger));
    ASSERT_TRUE(closed) << path;
    EXPECT_EQ(closed->status, 403) << path;
    EXPECT_EQ(closed->header("Access-Control-Allow-Origin"), "") << path;
    EXPECT_EQ(json::parse(closed->body)["error"], "origin " + stranger + " is not allowed to post to " + path);
  }
  const auto partner = exchange(server.port(), preflight("/partner", "https://partner.example"));
  ASSERT_TRUE(partner);
  EXPECT_EQ(partner->status, 204);
  EXPECT_EQ(partner->header("Access-Control-Allow-Methods"), "PUT, OPTIONS") << "the route's own methods";
  const auto posted = exchange(server.port(), request("PUT", "/partner", R"({"a":1})", "application/json",
                                                      "Origin: https://partner.example\r\n"));
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(posted->header("Access-Control-Allow-Origin"), "https://partner.example");
  const auto refused = exchange(server.port(), request("POST", "/internal", R"({"a":1})", "application/json",
                                                       "Origin: https://partner.example\r\n"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << "another route's origin is not this route's";
  // Same-origin pages may always post: the Origin is this server's own.
  const auto same = exchange(
      server.port(), request("POST", "/internal", R"({"a":2})", "application/json", "Origin: http://127.0.0.1\r\n"));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 200) << same->body;
  EXPECT_EQ(server.emitter().payloads(), (std::vector<std::string>{R"({"a":1})", R"({"a":2})"}));
}

TEST(HttpRoutes, APathNoRouteDeclaresGets404AndHealthIsOnlyWhereDeclared) {
  TestServer server(kOrders);
  for (const std::string path : {"/health", "/click", "/clicks", "/", "/frontend"}) {
    const auto a = exchange(server.port(), request("GET", path));
    ASSERT_TRUE(a) << path;
    EXPECT_EQ(a->status, 404) << path << " is not declared";
  }
  TestServer health("routes: [{path: /status/live, action: health}]");
  const auto a = exchange(health.port(), request("GET", "/status/live"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(json::parse(a->body)["live"], true);
}

}  // namespace
}  // namespace sluice::http::test
