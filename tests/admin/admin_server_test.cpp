// The admin endpoint over real sockets: what each path answers, its limits, and that it keeps
// answering while a reload handler runs.

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <future>

#include "admin/admin_server.hpp"
#include "raw_http_client.hpp"
#include "wait.hpp"

namespace sluice::admin {
namespace {

using test::HttpAnswer;
using test::RawHttpClient;

std::optional<HttpAnswer> ask(unsigned short port, const std::string& method, const std::string& path,
                              const std::string& extra_headers = {}) {
  RawHttpClient client(port);
  client.send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n");
  return client.read_answer();
}

AdminHandlers stub_handlers() {
  AdminHandlers h;
  h.metrics = [] { return std::string("# TYPE up gauge\nup 1\n"); };
  h.ready = [] { return Readiness{false, {{"status", "not ready"}, {"not_ready", {{{"pipeline", "ingest"}}}}}}; };
  h.pipelines = [] { return nlohmann::json{{"pipelines", nlohmann::json::array()}}; };
  return h;
}

TEST(AdminServer, AnswersEachPath) {
  AdminServer server("127.0.0.1:0", stub_handlers());
  server.start();
  const auto port = server.port();
  ASSERT_NE(port, 0);

  auto metrics = ask(port, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics->body, "# TYPE up gauge\nup 1\n");

  auto health = ask(port, "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body), (nlohmann::json{{"status", "ok"}}));

  auto ready = ask(port, "GET", "/ready?verbose=1");  // a query string is ignored
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(nlohmann::json::parse(ready->body)["not_ready"][0]["pipeline"], "ingest");

  auto pipelines = ask(port, "GET", "/pipelines");
  ASSERT_TRUE(pipelines);
  EXPECT_EQ(pipelines->status, 200);
  EXPECT_EQ(pipelines->header("Content-Type"), "application/json");

  auto missing = ask(port, "GET", "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto wrong = ask(port, "DELETE", "/metrics");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->header("Allow"), "GET, HEAD");

  auto get_reload = ask(port, "GET", "/reload");
  ASSERT_TRUE(get_reload);
  EXPECT_EQ(get_reload->status, 405);
  EXPECT_EQ(get_reload->header("Allow"), "POST");

  // No reload handler wired yet.
  auto reload = ask(port, "POST", "/reload", "Content-Length: 0\r\n");
  ASSERT_TRUE(reload);
  EXPECT_EQ(reload->status, 503);
  EXPECT_EQ(nlohmann::json::parse(reload->body)["error"], "reload not available");
}

TEST(AdminServer, AHandlerThatThrowsGets500AndTheServerServesOn) {
  AdminHandlers h = stub_handlers();
  h.metrics = []() -> std::string { throw std::runtime_error("registry on fire"); };
  AdminServer server("127.0.0.1:0", h);
  server.start();
  auto answer = ask(server.port(), "GET", "/metrics");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 500);
  EXPECT_NE(answer->body.find("registry on fire"), std::string::npos);
  auto health = ask(server.port(), "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(AdminServer, KeepsAnsweringWhileAReloadRunsAndTakesOneReloadAtATime) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> reloads{0};
  AdminHandlers h = stub_handlers();
  h.reload = [&]() -> std::pair<int, std::string> {
    ++reloads;
    released.wait();
    return {200, R"({"result":"reloaded"})"};
  };
  AdminServer server("127.0.0.1:0", h);
  server.start();
  const auto port = server.port();

  RawHttpClient first(port);
  first.send("POST /reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(test::eventually([&] { return reloads.load() == 1; }));

  // The reload waits; the endpoint does not.
  auto metrics = ask(port, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  auto second = ask(port, "POST", "/reload", "Content-Length: 0\r\n");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);
  EXPECT_EQ(reloads.load(), 1);

  release.set_value();
  auto answer = first.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(nlohmann::json::parse(answer->body)["result"], "reloaded");

  // And the next one runs.
  auto third = ask(port, "POST", "/reload", "Content-Length: 0\r\n");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 200);
  EXPECT_EQ(reloads.load(), 2);
}

TEST(AdminServer, ReloadFromAWebPageIsRefused) {
  std::atomic<int> reloads{0};
  AdminHandlers h = stub_handlers();
  h.reload = [&]() -> std::pair<int, std::string> {
    ++reloads;
    return {200, "{}"};
  };
  AdminServer server("127.0.0.1:0", h);
  server.start();
  auto answer = ask(server.port(), "POST", "/reload", "Origin: http://evil.example\r\nContent-Length: 0\r\n");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 403);
  EXPECT_EQ(reloads.load(), 0);
}

TEST(AdminServer, LimitsHeadersBodiesAndConnections) {
  AdminLimits limits;
  limits.max_connections = 2;
  AdminServer server("127.0.0.1:0", stub_handlers(), limits);
  server.start();
  const auto port = server.port();

  auto big_headers = ask(port, "GET", "/health", "X-Pad: " + std::string(9000, 'a') + "\r\n");
  ASSERT_TRUE(big_headers);
  EXPECT_EQ(big_headers->status, 431);

  RawHttpClient body(port);
  body.send("POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'));
  auto too_big = body.read_answer();
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);

  auto garbage = [&] {
    RawHttpClient c(port);
    c.send("\x01\x02 not http\r\n\r\n");
    return c.read_answer();
  }();
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);

  // Two idle connections hold the two places; a third is answered 503 at once and closed.
  RawHttpClient a(port), b(port);
  a.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  b.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(a.read_answer());
  ASSERT_TRUE(b.read_answer());
  RawHttpClient third(port);
  auto busy = third.read_answer();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_TRUE(third.closed_by_server());
}

TEST(AdminServer, AnAddressInUseIsAStartupErrorNamingTheSetting) {
  AdminServer first("127.0.0.1:0", stub_handlers());
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    AdminServer second(taken, stub_handlers());
    FAIL() << "a second server bound " << taken;
  } catch (const AdminStartError& e) {
    EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("engine.admin.listen"), std::string::npos) << e.what();
  }
  EXPECT_THROW(AdminServer("[::1:9600", stub_handlers()), AdminStartError);
}

TEST(AdminServer, StopClosesOpenConnections) {
  auto server = std::make_unique<AdminServer>("127.0.0.1:0", stub_handlers());
  server->start();
  RawHttpClient idle(server->port());
  idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.read_answer());  // kept alive, idle now
  server->stop();
  EXPECT_TRUE(idle.closed_by_server(std::chrono::seconds(2)));
}

}  // namespace
}  // namespace sluice::admin
