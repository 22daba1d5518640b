// What an http client is told about delivery, against the real http plugin in a real engine, with
// a sink that holds deliveries until the test lets them go (`gate`): 200 once every sink has the
// click (`ack: delivered`), 202 once it is queued (`ack: accepted`), 503 + Retry-After when the
// sinks do not confirm within `ack_timeout` (and the click may still be delivered later), and 503
// + Retry-After to a request that arrives while the engine drains at shutdown (README: the answer
// table's 503 row; the shutdown guarantee).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "listening_engine.hpp"
#include "raw_http_client.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kGet = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string ingest(const std::string& source_options, const std::string& transforms = "[]") {
  return "engine: {shutdown_timeout: 10s}\n"
         "pipelines:\n"
         "  ingest:\n"
         "    source: {type: http, listen: '127.0.0.1:0', "
         "routes: [{path: /click, action: events}, {path: /health, action: health}]" +
         source_options +
         "}\n"
         "    transforms: " +
         transforms +
         "\n"
         "    sinks: [{type: gate, name: g}]\n";
}

// Ends a test's engine: whatever the gate still holds is confirmed, then a normal shutdown.
int finish(ListeningEngine& e) {
  gate("g")->release_all();
  e.engine->request_stop();
  return e.engine->wait();
}

TEST(HttpDelivery, AckAcceptedAnswers202OnceQueuedWhileTheSinkStillHoldsTheClick) {
  auto e = make_listening_engine(ingest(", ack: accepted"));
  e.engine->start();
  RawHttpClient client(e.port);
  client.send(json_post("/click", R"({"page":"a","clickNumber":1})"));
  const auto answer = client.read_answer();
  ASSERT_TRUE(answer) << "answered without waiting for the sink";
  EXPECT_EQ(answer->status, 202) << answer->body;
  const json body = json::parse(answer->body);
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["queued"], true);
  ASSERT_EQ(body["ids"].size(), 1u);
  // The click did reach the sink, which has not confirmed it: the 202 came before delivery.
  ASSERT_TRUE(eventually([] { return gate("g")->held_batches() == 1; }));
  EXPECT_TRUE(gate("g")->confirmed().empty());
  EXPECT_EQ(finish(e), 0);
}

// The contrast that makes the test above mean something: by default the same click is answered
// only once the sink confirms it, and then with 200.
TEST(HttpDelivery, AckDeliveredAnswers200OnlyOnceTheSinkConfirms) {
  auto e = make_listening_engine(ingest(""));
  e.engine->start();
  RawHttpClient client(e.port);
  client.send(json_post("/click", R"({"page":"a","clickNumber":1})"));
  ASSERT_TRUE(eventually([] { return gate("g")->held_batches() == 1; }));
  EXPECT_FALSE(client.read_answer(300ms)) << "no answer while the sink holds the click";
  gate("g")->release_all();
  const auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(json::parse(answer->body)["ids"].size(), 1u);
  EXPECT_EQ(finish(e), 0);
}

TEST(HttpDelivery, ASinkThatDoesNotConfirmInTimeGets503WithRetryAfterAndTheClickMayStillBeDelivered) {
  // enrich writes the id the client is answered with into the payload, so the test can tell
  // which request an answer belongs to.
  auto e = make_listening_engine(ingest(", ack_timeout: 300ms, retry_after: 2s", "[{type: enrich}]"));
  e.engine->start();
  RawHttpClient client(e.port);
  client.send(json_post("/click", R"({"page":"late","clickNumber":1})"));
  const auto timed_out = client.read_answer();
  ASSERT_TRUE(timed_out) << "answered after ack_timeout, not after the sink";
  EXPECT_EQ(timed_out->status, 503) << timed_out->body;
  EXPECT_EQ(timed_out->header("Retry-After"), "2");
  EXPECT_EQ(timed_out->header("Content-Type"), "application/json");
  EXPECT_THAT(json::parse(timed_out->body)["error"].get<std::string>(),
              HasSubstr("no confirmation of delivery in time"));

  // "The event may still be delivered later": the sink has it, and confirms it now.
  {
    const auto payloads = gate("g")->payloads();
    ASSERT_EQ(payloads.size(), 1u);
    EXPECT_EQ(json::parse(payloads[0])["page"], "late");
  }
  gate("g")->release_all();
  EXPECT_EQ(gate("g")->held_batches(), 0u);

  // The late confirmation answers nothing: the next request on the same connection gets its own answer.
  client.send(json_post("/click", R"({"page":"next","clickNumber":2})"));
  const auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200) << next->body;
  const std::string id = json::parse(next->body)["ids"][0];
  // What the open gate confirmed as it came: the second click.
  const std::vector<std::string> confirmed = gate("g")->confirmed();
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(json::parse(confirmed[0])["page"], "next");
  EXPECT_EQ(json::parse(confirmed[0])["id"], id) << "the answer is the second request's, not the late first one's";
  EXPECT_FALSE(client.read_answer(200ms)) << "one request, one answer";
  EXPECT_EQ(finish(e), 0);
}

TEST(HttpDelivery, ARequestArrivingWhileTheEngineDrainsGets503WithRetryAfterAndTheClickInFlightIsStillAnswered) {
  auto e = make_listening_engine(ingest(""));
  e.engine->start();
  // A click the sink holds: in flight when the stop comes.
  RawHttpClient in_flight(e.port);
  in_flight.send(json_post("/click", R"({"page":"in-flight","clickNumber":1})"));
  ASSERT_TRUE(eventually([] { return gate("g")->held_batches() == 1; }));
  // Connections opened before the stop and kept alive: a new one would find the port closed.
  RawHttpClient poster(e.port);
  RawHttpClient checker(e.port);
  for (auto* c : {&poster, &checker}) {
    c->send(kGet);
    const auto health = c->read_answer();
    ASSERT_TRUE(health);
    ASSERT_EQ(json::parse(health->body)["accepting"], true);
  }

  e.engine->request_stop();  // the drain waits for the gate: the engine stays up until it opens

  checker.send(kGet);
  const auto health = checker.read_answer();
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["accepting"], false) << health->body;

  poster.send(json_post("/click", R"({"page":"during-drain","clickNumber":2})"));
  const auto refused = poster.read_answer();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_EQ(refused->header("Retry-After"), "1");
  EXPECT_EQ(json::parse(refused->body)["error"], "the server is shutting down");
  EXPECT_EQ(refused->header("Connection"), "close");
  EXPECT_TRUE(poster.closed_by_server());

  // What was taken in before the stop is delivered and answered normally.
  gate("g")->release_all();
  const auto delivered = in_flight.read_answer();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->status, 200) << delivered->body;
  EXPECT_EQ(e.engine->wait(), 0);
  const auto payloads = gate("g")->payloads();
  ASSERT_EQ(payloads.size(), 1u) << "nothing of the refused request reached the sink";
  EXPECT_THAT(payloads[0], HasSubstr("in-flight"));
}

}  // namespace
}  // namespace sluice::test
