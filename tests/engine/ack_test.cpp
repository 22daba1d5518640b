// Acknowledgements: a source learns that every sink accepted its events, or why not.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

class AckTest : public ::testing::Test {
 protected:
  void start(const std::string& sinks, const std::string& transforms = "[]", const std::string& settings = "",
             const std::string& source = "{type: scripted, name: src}") {
    run_ = start_scripted("pipelines:\n  p:\n" + settings + "    source: " + source +
                          "\n    transforms: " + transforms + "\n    sinks: " + sinks + "\n");
    source_ = run_.source;
  }

  AckResult answer(std::size_t emit_index) {
    EXPECT_TRUE(run_.acks->wait_for(emit_index + 1)) << "no answer for emit " << emit_index;
    std::lock_guard lock(run_.acks->mutex);
    return run_.acks->results.at(emit_index);
  }

  void TearDown() override {
    if (run_.engine) {
      run_.engine->request_stop();
      EXPECT_EQ(run_.engine->wait(), expected_exit_);
    }
  }

  int expected_exit_ = 0;  // 1 in tests where nothing could be delivered

  ScriptedEngine run_;
  ScriptedSource* source_ = nullptr;
};

TEST_F(AckTest, AckArrivesOnceEverySinkAccepted) {
  start("[{type: capture, name: a}, {type: capture, name: b}]");
  ASSERT_TRUE(source_->emit({"e1", "e2", "e3"}));
  const AckResult r = answer(0);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(capture_store("a")->snapshot(), (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(capture_store("b")->snapshot(), (std::vector<std::string>{"e1", "e2", "e3"}));
}

TEST_F(AckTest, AckWaitsForTheSlowestSink) {
  start("[{type: capture, name: a}, {type: gate, name: g}]");
  ASSERT_TRUE(source_->emit({"e1"}));
  ASSERT_TRUE(eventually([] { return gate("g")->held_batches() == 1; }));
  EXPECT_EQ(run_.acks->answered(), 0u) << "no ack while one sink still holds the batch";
  gate("g")->release_all();
  EXPECT_TRUE(answer(0).ok);
}

TEST_F(AckTest, NackCarriesTheFailingSinksReason) {
  start("[{type: capture, name: a}, {type: fail, reason: 'disk full'}]");
  ASSERT_TRUE(source_->emit({"e1", "e2"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "sinks[1] fail: disk full");
  EXPECT_FALSE(r.rejected) << "a delivery failure, not bad input";
  expected_exit_ = 1;  // the only emit failed: nothing could be delivered
}

TEST_F(AckTest, OneFailedEventNacksOnlyItsOwnGroup) {
  // The batch waits until all four events are queued, so they share one batch and the sink fails
  // event 1 of it.
  start("[{type: fail, reason: 'bad record', only_index: 1}]", "[]",
        "    batch_max_wait: 30s\n    batch_max_events: 4\n");
  ASSERT_TRUE(source_->emit({"a0"}));
  ASSERT_TRUE(source_->emit({"b1", "b2"}));
  ASSERT_TRUE(source_->emit({"c3"}));
  ASSERT_TRUE(run_.acks->wait_for(3));
  std::lock_guard lock(run_.acks->mutex);
  EXPECT_TRUE(run_.acks->results[0].ok);
  // Event index 1 of the batch is b1: its whole emit group is nacked, the others are not.
  EXPECT_FALSE(run_.acks->results[1].ok);
  EXPECT_EQ(run_.acks->results[1].reason, "sinks[0] fail: bad record");
  EXPECT_TRUE(run_.acks->results[2].ok);
}

TEST_F(AckTest, RejectedEventsAreNackedWithTheTransformsReason) {
  start("[{type: capture, name: a}]", "[{type: reject, marker: bad}]");
  // The rejected event is answered during the transform, before the other reaches the sink.
  ASSERT_TRUE(source_->emit({"bad-1"}));
  ASSERT_TRUE(source_->emit({"good-2"}));
  EXPECT_TRUE(answer(1).ok);
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "transforms[0] reject: payload contains 'bad'");
  EXPECT_TRUE(r.rejected) << "bad input, so a client can be told 400 rather than 503";
  EXPECT_EQ(capture_store("a")->snapshot(), std::vector<std::string>{"good-2"}) << "a rejected event reaches no sink";
}

TEST_F(AckTest, ANackNamesTheFirstFailedEventOfTheEmit) {
  start("[{type: capture, name: a}]", "[{type: reject, marker: bad}]");
  ASSERT_TRUE(source_->emit({"fine", "fine", "bad-one", "fine", "bad-two"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.event, 2u);
}

TEST_F(AckTest, ForARequestSourceARejectionRefusesItsWholeEmitAndNothingOfItIsStored) {
  start("[{type: capture, name: a}]", "[{type: reject, marker: bad}]", "",
        "{type: scripted, name: src, requests: true}");
  ASSERT_TRUE(source_->emit({"ok-0", "bad-1", "ok-2"}));
  ASSERT_TRUE(source_->emit({"other"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.event, 1u) << "the verdict names the event at fault, not the ones refused with it";
  EXPECT_EQ(r.reason, "transforms[0] reject: payload contains 'bad'");
  EXPECT_TRUE(answer(1).ok);
  EXPECT_EQ(capture_store("a")->snapshot(), std::vector<std::string>{"other"}) << "a refused request stores nothing";
}

TEST_F(AckTest, ForOtherSourcesTheRestOfTheEmitStillReachesTheSinks) {
  start("[{type: capture, name: a}]", "[{type: reject, marker: bad}]");
  ASSERT_TRUE(source_->emit({"ok-0", "bad-1", "ok-2"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.event, 1u);
  EXPECT_EQ(capture_store("a")->snapshot(), (std::vector<std::string>{"ok-0", "ok-2"}));
}

TEST_F(AckTest, DroppedEventsAreAckedWithoutReachingSinks) {
  start("[{type: capture, name: a}]", "[{type: drop_marked, marker: skip}]");
  ASSERT_TRUE(source_->emit({"keep", "skip-me", "keep-too"}));
  EXPECT_TRUE(answer(0).ok);
  EXPECT_EQ(capture_store("a")->snapshot(), (std::vector<std::string>{"keep", "keep-too"}));
}

TEST_F(AckTest, ATransformThatThrowsNacksTheBatch) {
  start("[{type: capture, name: a}]", "[{type: explode}]");
  ASSERT_TRUE(source_->emit({"x"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.reason, HasSubstr("transforms[0] explode failed: transform exploded"));
  EXPECT_EQ(capture_store("a")->size(), 0u);
  expected_exit_ = 1;  // the only emit failed: nothing could be delivered
}

TEST_F(AckTest, SinksSeeJsonEditedByTransforms) {
  start("[{type: capture, name: a}]", "[{type: edit}]");
  ASSERT_TRUE(source_->emit({R"({"n":1})"}));
  EXPECT_TRUE(answer(0).ok);
  EXPECT_EQ(capture_store("a")->snapshot(), std::vector<std::string>{R"({"edited":true,"n":1})"});
}

TEST_F(AckTest, AnEditThatCannotBeSerialisedRefusesOnlyItsEvent) {
  start("[{type: capture, name: a}]", "[{type: not_utf8, marker: bad}]");
  ASSERT_TRUE(source_->emit({R"({"n":"bad"})"}));
  ASSERT_TRUE(source_->emit({R"({"n":"good"})"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rejected) << "the event's fault, not a delivery failure";
  EXPECT_THAT(r.reason, HasSubstr("cannot serialise the edited JSON: invalid UTF-8 byte"));
  EXPECT_TRUE(answer(1).ok) << "the rest of the batch goes on";
  EXPECT_EQ(capture_store("a")->snapshot(), std::vector<std::string>{R"({"n":"good"})"});
}

TEST_F(AckTest, AnEmptyEmitIsAckedAtOnce) {
  start("[{type: capture, name: a}]");
  ASSERT_TRUE(source_->emit({}));
  EXPECT_TRUE(answer(0).ok);
}

}  // namespace
}  // namespace sluice::test
