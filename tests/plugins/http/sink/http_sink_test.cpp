// The http sink, loaded from the real plugin into a real engine, against a real HTTP server the
// test starts (sink_test_server): what the server received, byte for byte, and what the source
// was told. Every wait is on a condition with a deadline.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"
#include "sink_test_server.hpp"
#include "wait.hpp"

namespace sluice::http::test {
namespace {

using sluice::test::capture_store;
using sluice::test::eventually;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

class HttpSinkTest : public ::testing::Test {
 protected:
  // `sink`: the sink's options after its url, as YAML flow-map content; `pipeline`: pipeline settings.
  void start(const std::string& sink = "", const std::string& pipeline = "") {
    run_ = sluice::test::start_scripted("pipelines:\n  p:\n" + pipeline +
                                        "    source: {type: scripted, name: src}\n"
                                        "    sinks: [{type: http, url: '" +
                                        server_.url() + "'" + (sink.empty() ? "" : ", " + sink) +
                                        "}]\n"
                                        "    dead_letter: {sink: {type: capture, name: dlq}}\n");
  }

  AckResult answer(std::size_t emit_index, milliseconds timeout = std::chrono::seconds(10)) {
    EXPECT_TRUE(run_.acks->wait_for(emit_index + 1, timeout)) << "no answer for emit " << emit_index;
    std::lock_guard lock(run_.acks->mutex);
    return emit_index < run_.acks->results.size() ? run_.acks->results[emit_index] : AckResult{};
  }

  bool sink_ready() {
    std::string detail;
    return run_.engine->pipeline("p")->sinks_ready(detail);
  }

  // Bodies the server answered 2xx at once (not late, not held): what the sink saw delivered.
  std::vector<std::string> delivered_bodies() {
    std::vector<std::string> out;
    for (const auto& r : server_.requests()) {
      if (r.reply.status / 100 == 2 && r.reply.delay.count() == 0) out.push_back(r.body);
    }
    return out;
  }

  void TearDown() override {
    server_.release_held();
    if (run_.engine) {
      run_.engine->request_stop();
      run_.engine->wait();
    }
  }

  SinkTestServer server_;
  sluice::test::ScriptedEngine run_;
};

TEST_F(HttpSinkTest, AnEventIsAcknowledgedOnlyOnceTheServerAnswered2xxAndTheServerGotExactlyIt) {
  server_.set_fallback(Reply(200).held());
  start("headers: {Authorization: 'Bearer t0ken', X-Pipeline: clicks}");
  ASSERT_TRUE(run_.source->emit({R"({"page":"a","n":1})", R"({"page":"b","n":[1,2]})"}));
  ASSERT_TRUE(eventually([&] { return server_.held() == 1; }));
  EXPECT_EQ(run_.acks->answered(), 0u) << "acknowledged before the server answered";
  server_.release_held();
  const AckResult r = answer(0);
  EXPECT_TRUE(r.ok) << r.reason;

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "{\"page\":\"a\",\"n\":1}\n{\"page\":\"b\",\"n\":[1,2]}\n");
  EXPECT_EQ(requests[0].target, "/ingest");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/x-ndjson");
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer t0ken");
  EXPECT_EQ(requests[0].headers.at("x-pipeline"), "clicks");
  EXPECT_EQ(requests[0].headers.at("host"), "127.0.0.1:" + std::to_string(server_.port()));
}

TEST_F(HttpSinkTest, AJsonArrayBodyHoldsTheBatchAsOneArray) {
  start("format: json_array");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})", R"([true, null])", R"("text")"}));
  EXPECT_TRUE(answer(0).ok);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, R"([{"n":1},[true, null],"text"])");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(requests[0].body).size(), 3u);
}

TEST_F(HttpSinkTest, NdjsonPutsAMultiLinePayloadOnOneLineAndDeadLettersAPayloadThatIsNotJson) {
  start();
  ASSERT_TRUE(run_.source->emit({"{\n  \"a\": 1\n}", "not json", R"({"c":3})"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.dead_lettered) << r.reason;
  EXPECT_EQ(r.event, 1u);
  EXPECT_EQ(delivered_bodies(), std::vector<std::string>{"{\"a\":1}\n{\"c\":3}\n"});
  const auto dlq = capture_store("dlq")->captured();
  ASSERT_EQ(dlq.payloads, std::vector<std::string>{"not json"});
  EXPECT_THAT(dlq.metadata[0].at("dead_letter.reason"), HasSubstr("not JSON"));
}

TEST_F(HttpSinkTest, TheServerDownThenSlowThenBackLosesNothingAndDeliversOnceBack) {
  server_.go_down();
  // One connection: the slow server's second request can only be the first one tried again.
  start("timeout: 200ms, retry_backoff: 10ms, retry_backoff_max: 50ms, max_connections: 1");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(run_.source->emit({"{\"n\":" + std::to_string(i) + "}"}));
  // Down: the connection is refused; the sink says so and holds the events.
  ASSERT_TRUE(eventually([&] { return !sink_ready(); }));
  EXPECT_EQ(run_.acks->answered(), 0u);

  // Slow: the server takes the request but answers after the sink's timeout; the sink tries again.
  server_.set_fallback(Reply(200).after(milliseconds(1500)));
  server_.come_back();
  ASSERT_TRUE(eventually([&] { return server_.request_count() >= 2; }));
  EXPECT_EQ(run_.acks->answered(), 0u) << "a request with no answer in time is not delivered";
  {
    const auto slow = server_.requests();
    EXPECT_EQ(slow[1].body, slow[0].body) << "the request that timed out is sent again, first";
  }

  // Back.
  server_.set_fallback(Reply(200));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(answer(i).ok) << "emit " << i;
  EXPECT_TRUE(eventually([&] { return sink_ready(); }));
  // Each event reached the server, answered in time, exactly once, and in order.
  EXPECT_EQ(delivered_bodies(), (std::vector<std::string>{"{\"n\":0}\n", "{\"n\":1}\n", "{\"n\":2}\n"}));
}

TEST_F(HttpSinkTest, ServerErrorsAnd429AreRetriedAndRetryAfterIsHonoured) {
  server_.script({Reply(503), Reply(500).with_body("oops"), Reply(429).with_header("Retry-After", "1")});
  start("retry_backoff: 10ms, retry_backoff_max: 20ms");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  EXPECT_TRUE(answer(0).ok);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 4u) << "503, 500, 429, then 200";
  for (const auto& r : requests) EXPECT_EQ(r.body, "{\"n\":1}\n");
  // A lower bound only: the sink waited at least what the server asked, not the 20ms backoff.
  EXPECT_GE(requests[3].at - requests[2].at, milliseconds(950));
}

TEST_F(HttpSinkTest, ALongRetryAfterIsCutToRetryAfterMax) {
  server_.script({Reply(429).with_header("Retry-After", "3600")});
  start("retry_after_max: 100ms");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  EXPECT_TRUE(answer(0, std::chrono::seconds(10)).ok) << "still waiting out an hour";
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(HttpSinkTest, A4xxSendsTheRequestsEventsToTheDeadLetterPathWithTheStatusAndReason) {
  server_.script({Reply(400).with_body("{\"error\":\"field page is missing\"}")});
  start();
  ASSERT_TRUE(run_.source->emit({R"({"n":1})", R"({"n":2})"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.dead_lettered) << r.reason;
  EXPECT_TRUE(r.rejected);
  EXPECT_THAT(r.reason, HasSubstr("answered 400"));
  const auto dlq = capture_store("dlq")->captured();
  EXPECT_EQ(dlq.payloads, (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
  for (const auto& meta : dlq.metadata) {
    EXPECT_THAT(meta.at("dead_letter.reason"), HasSubstr("answered 400: {\"error\":\"field page is missing\"}"));
    EXPECT_EQ(meta.at("dead_letter.component"), "sinks[0] http");
  }
  EXPECT_EQ(server_.request_count(), 1u) << "a 4xx is not retried";
  // The server is up: the next batch goes through.
  ASSERT_TRUE(run_.source->emit({R"({"n":3})"}));
  EXPECT_TRUE(answer(1).ok);
}

TEST_F(HttpSinkTest, ConnectionsAreKeptAliveAndNeverMoreThanMaxConnections) {
  start("max_connections: 2");
  for (std::size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(run_.source->emit({"{\"n\":" + std::to_string(i) + "}"}));
    ASSERT_TRUE(answer(i).ok);
  }
  EXPECT_EQ(server_.connections_accepted(), 1u) << "one request at a time: one connection, reused";

  // Many batches at once, the server holding its answers: two requests on the wire, no more.
  server_.set_fallback(Reply(200).held());
  for (std::size_t i = 10; i < 16; ++i) ASSERT_TRUE(run_.source->emit({"{\"n\":" + std::to_string(i) + "}"}));
  ASSERT_TRUE(eventually([&] { return server_.held() == 2; }));
  server_.release_held();
  for (std::size_t i = 10; i < 16; ++i) EXPECT_TRUE(answer(i).ok);
  EXPECT_EQ(server_.most_waiting(), 2u);
  EXPECT_EQ(server_.connections_accepted(), 2u);
  EXPECT_EQ(server_.request_count(), 16u);
}

TEST_F(HttpSinkTest, AKeptAliveConnectionTheServerClosedIsReplacedAtOnceNotCountedAsAFailure) {
  // The first answer says keep-alive, then the server drops the connection, as a server does with
  // an idle one. The next request finds it closed: sent again at once on a new connection, not
  // after retry_backoff (an hour here), and the sink never reports a problem.
  server_.script({Reply(200).then_close()});
  start("retry_backoff: 1h, retry_backoff_max: 1h, max_connections: 1");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  ASSERT_TRUE(answer(0).ok);
  ASSERT_TRUE(eventually([&] { return server_.connections_accepted() == 1; }));
  ASSERT_TRUE(run_.source->emit({R"({"n":2})"}));
  EXPECT_TRUE(answer(1).ok);
  EXPECT_TRUE(sink_ready());
  EXPECT_EQ(server_.connections_accepted(), 2u);
  EXPECT_EQ(delivered_bodies(), (std::vector<std::string>{"{\"n\":1}\n", "{\"n\":2}\n"}));
}

TEST_F(HttpSinkTest, AnInterimAnswerIsNotTheAnswerAndLeavesNothingForTheNextRequest) {
  // 103 Early Hints, then 200: the 200 answers the request. Had the sink taken the 103 for the
  // answer, it would have nacked the first batch, and the 200 left on the kept-alive connection
  // would have acknowledged the second before the server (holding it) answered.
  server_.script({Reply(200).interim_first(103)});
  server_.set_fallback(Reply(200).held());
  start("max_connections: 1");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  const AckResult first = answer(0);
  EXPECT_TRUE(first.ok) << first.reason;
  ASSERT_TRUE(run_.source->emit({R"({"n":2})"}));
  ASSERT_TRUE(eventually([&] { return server_.held() == 1; }));
  EXPECT_EQ(run_.acks->answered(), 1u) << "the second batch was acknowledged before the server answered it";
  server_.release_held();
  EXPECT_TRUE(answer(1).ok);
  EXPECT_EQ(server_.connections_accepted(), 1u) << "the connection stays usable after an interim answer";
}

TEST_F(HttpSinkTest, AConnectionWithBytesLeftAfterTheAnswerIsNotUsedAgain) {
  // A second answer already waiting on the connection answers no request of ours: used again, the
  // connection would give it to the next request, acknowledged before the server answered it.
  server_.script({Reply(200).twice()});
  server_.set_fallback(Reply(200).held());
  start("max_connections: 1");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  EXPECT_TRUE(answer(0).ok);
  ASSERT_TRUE(run_.source->emit({R"({"n":2})"}));
  ASSERT_TRUE(eventually([&] { return server_.held() == 1; }));
  EXPECT_EQ(run_.acks->answered(), 1u) << "the second batch was acknowledged before the server answered it";
  server_.release_held();
  EXPECT_TRUE(answer(1).ok);
  EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(HttpSinkTest, AServerThatDoesNotAnswerPushesBackOnTheSource) {
  server_.set_fallback(Reply(200).held());
  start("max_connections: 1", "    queue_capacity: 4\n    sink_max_in_flight: 2\n");
  std::size_t taken = 0;
  while (taken < 1000 && run_.source->try_emit({"{\"n\":" + std::to_string(taken) + "}"})) ++taken;
  EXPECT_LT(taken, 1000u) << "the source was never pushed back";
  EXPECT_LE(server_.most_waiting(), 1u);
  server_.release_held();
  for (std::size_t i = 0; i < taken; ++i) EXPECT_TRUE(answer(i).ok) << "emit " << i;
}

TEST_F(HttpSinkTest, StoppingDrainsWhatTheSinkHolds) {
  // Answers come 500ms after the requests: the engine is stopping and the sink flushing by then
  // (had they come first, there would be nothing left to drain and the test would prove less).
  server_.set_fallback(Reply(200).after(milliseconds(500)));
  start();
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  ASSERT_TRUE(run_.source->emit({R"({"n":2})"}));
  ASSERT_TRUE(eventually([&] { return server_.request_count() == 2; }));
  run_.engine->request_stop();
  EXPECT_EQ(run_.engine->wait(), 0);
  run_.engine.reset();
  EXPECT_TRUE(answer(0).ok);
  EXPECT_TRUE(answer(1).ok);
}

TEST_F(HttpSinkTest, PastTheShutdownDeadlineWhatIsLeftIsNackedWithTheReason) {
  server_.go_down();
  run_ = sluice::test::start_scripted(
      "engine: {shutdown_timeout: 300ms}\npipelines:\n  p:\n"
      "    source: {type: scripted, name: src}\n"
      "    sinks: [{type: http, url: '" +
      server_.url() + "', retry_backoff: 10ms}]\n");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  ASSERT_TRUE(eventually([&] { return !sink_ready(); }));
  run_.engine->request_stop();
  EXPECT_EQ(run_.engine->wait(), 1);
  run_.engine.reset();
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.dead_lettered);
  EXPECT_THAT(r.reason, HasSubstr("shutdown deadline"));
}

TEST_F(HttpSinkTest, RetryTimeoutNacksToTheSourceWithTheLastError) {
  server_.set_fallback(Reply(503).with_body("maintenance"));
  start("retry_backoff: 10ms, retry_backoff_max: 20ms, retry_timeout: 200ms");
  ASSERT_TRUE(run_.source->emit({R"({"n":1})"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.dead_lettered) << "the events are not at fault: the source decides";
  EXPECT_THAT(r.reason, HasSubstr("gave up after"));
  EXPECT_THAT(r.reason, HasSubstr("answered 503: maintenance"));
  EXPECT_GE(server_.request_count(), 2u);
}

}  // namespace
}  // namespace sluice::http::test
