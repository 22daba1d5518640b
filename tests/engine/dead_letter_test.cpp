// Dead letters: what a transform rejects or a sink refuses for good goes to the pipeline's
// dead-letter sink with why, where and when; its source hears "dead-lettered" only once that sink
// confirmed it, and a plain nack when it could not.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/config_loader.hpp"
#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

class DeadLetterTest : public ::testing::Test {
 protected:
  void start(const std::string& pipeline, const std::string& source = "{type: scripted, name: src}") {
    run_ = start_scripted("pipelines:\n  p:\n    source: " + source + "\n" + pipeline);
    source_ = run_.source;
  }

  AckResult answer(std::size_t emit_index) {
    EXPECT_TRUE(run_.acks->wait_for(emit_index + 1)) << "no answer for emit " << emit_index;
    std::lock_guard lock(run_.acks->mutex);
    return run_.acks->results.at(emit_index);
  }

  std::map<std::string, std::string> only_dead_letter(const std::string& store, const std::string& payload) {
    const Captured s = capture_store(store)->captured();
    EXPECT_EQ(s.payloads, std::vector<std::string>{payload});
    return s.metadata.empty() ? std::map<std::string, std::string>{} : s.metadata.front();
  }

  void TearDown() override {
    if (run_.engine) {
      run_.engine->request_stop();
      EXPECT_EQ(run_.engine->wait(), 0);
    }
  }

  ScriptedEngine run_;
  ScriptedSource* source_ = nullptr;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(DeadLetterTest, ARejectedEventGoesToTheDeadLetterSinkWithWhyWhereAndWhen) {
  const std::int64_t before = now_ms();
  start(R"(    transforms: [{type: reject, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: capture, name: dlq}}
)",
        "{type: scripted, name: src, meta: {kafka.topic: clicks, kafka.partition: '2', kafka.offset: '41'}}");
  ASSERT_TRUE(source_->emit({"good-0", "bad-1", "good-2"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok) << "not delivered";
  EXPECT_TRUE(r.dead_lettered) << "but handled: a source may move past it";
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.event, 1u);
  EXPECT_EQ(r.component, "transforms[0] reject");
  EXPECT_EQ(r.reason, "transforms[0] reject: payload contains 'bad'");
  EXPECT_EQ(capture_store("out")->snapshot(), (std::vector<std::string>{"good-0", "good-2"}));

  auto meta = only_dead_letter("dlq", "bad-1");
  EXPECT_EQ(meta["dead_letter.reason"], "payload contains 'bad'");
  EXPECT_EQ(meta["dead_letter.component"], "transforms[0] reject");
  EXPECT_EQ(meta["kafka.topic"], "clicks") << "the source position is kept";
  EXPECT_EQ(meta["kafka.partition"], "2");
  EXPECT_EQ(meta["kafka.offset"], "41");
  const std::int64_t at = std::stoll(meta["dead_letter.at"]);
  EXPECT_GE(at, before);
  EXPECT_LE(at, now_ms());
  EXPECT_EQ(run_.engine->pipeline("p")->stats().events_dead_lettered, 1u);
}

TEST_F(DeadLetterTest, TheSourceHearsOnlyOnceTheDeadLetterSinkConfirmed) {
  start(R"(    transforms: [{type: reject, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: gate, name: dlq}}
)");
  ASSERT_TRUE(source_->emit({"bad-0"}));
  ASSERT_TRUE(eventually([] { return gate("dlq")->held_batches() == 1; }));
  // A later emit is answered, so the pipeline went past the rejected one; it is still unanswered.
  ASSERT_TRUE(source_->emit({"good-1"}));
  ASSERT_TRUE(eventually([&] { return run_.acks->answered() == 1; }));
  {
    std::lock_guard lock(run_.acks->mutex);
    EXPECT_TRUE(run_.acks->acked_payloads == std::vector<std::string>{"good-1"}) << "only the good one is answered";
  }
  gate("dlq")->release_all();
  const AckResult r = answer(1);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.dead_lettered);
}

TEST_F(DeadLetterTest, WhenTheDeadLetterSinkFailsItIsAPlainNack) {
  start(R"(    transforms: [{type: reject, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: fail, reason: 'dlq down'}}
)");
  ASSERT_TRUE(source_->emit({"bad-0"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.dead_lettered) << "neither delivered nor dead-lettered: nothing may be committed past it";
  EXPECT_THAT(r.reason, HasSubstr("transforms[0] reject: payload contains 'bad'"));
  EXPECT_THAT(r.reason, HasSubstr("dead-letter sink dead_letter fail failed: dlq down"));
}

TEST_F(DeadLetterTest, OneUnhandledEventMakesTheWholeEmitAPlainNack) {
  start(R"(    batch_max_wait: 30s
    batch_max_events: 2
    transforms: [{type: reject, marker: bad}]
    sinks: [{type: fail, marker: flaky, reason: 'try later'}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  ASSERT_TRUE(source_->emit({"bad-0", "flaky-1"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.dead_lettered) << "flaky-1 was neither delivered nor dead-lettered";
  only_dead_letter("dlq", "bad-0");
}

TEST_F(DeadLetterTest, RequestsAreAnsweredAsBeforeAndNotDeadLettered) {
  start(R"(    transforms: [{type: reject, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: capture, name: dlq}}
)",
        "{type: scripted, name: src, requests: true}");
  ASSERT_TRUE(source_->emit({"ok-0", "bad-1"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rejected) << "still a 400";
  EXPECT_FALSE(r.dead_lettered);
  // A dead letter is answered only after the dead-letter sink took it, so by now it would be there.
  EXPECT_EQ(capture_store("dlq")->size(), 0u);
  EXPECT_EQ(capture_store("out")->size(), 0u);
}

TEST_F(DeadLetterTest, RequestsAreDeadLetteredWhenThePipelineOptsIn) {
  start(R"(    transforms: [{type: reject, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {include_refused_requests: true, sink: {type: capture, name: dlq}}
)",
        "{type: scripted, name: src, requests: true}");
  ASSERT_TRUE(source_->emit({"ok-0", "bad-1"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rejected) << "still a 400";
  EXPECT_EQ(r.event, 1u);
  EXPECT_EQ(r.reason, "transforms[0] reject: payload contains 'bad'");
  // Only the bad event: the good one was refused with its request, and the client will resend it.
  only_dead_letter("dlq", "bad-1");
  EXPECT_EQ(capture_store("out")->size(), 0u);
}

TEST_F(DeadLetterTest, AnEventASinkRefusesForGoodIsDeadLettered) {
  start(
      R"(    sinks: [{type: capture, name: out}, {type: fail, marker: huge, permanent: true, reason: 'message too large'}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  ASSERT_TRUE(source_->emit({"huge-0"}));
  ASSERT_TRUE(source_->emit({"small-1"}));
  const AckResult r = answer(0).ok ? answer(1) : answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.dead_lettered);
  EXPECT_EQ(r.component, "sinks[1] fail");
  EXPECT_EQ(r.reason, "sinks[1] fail: message too large");
  auto meta = only_dead_letter("dlq", "huge-0");
  EXPECT_EQ(meta["dead_letter.reason"], "message too large");
  EXPECT_EQ(meta["dead_letter.component"], "sinks[1] fail");
}

TEST_F(DeadLetterTest, WithoutADeadLetterSinkAPermanentRefusalSaysRetryingWillNotHelp) {
  start("    sinks: [{type: fail, marker: huge, permanent: true, reason: 'message too large'}]\n");
  ASSERT_TRUE(source_->emit({"huge-0"}));
  const AckResult r = answer(0);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.dead_lettered);
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reason, "sinks[0] fail: message too large");
}

TEST_F(DeadLetterTest, ASourceHandsEventsItGaveUpOnToTheDeadLetterSink) {
  start(R"(    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  ASSERT_TRUE(source_->dead_letter({"stuck"}, "sinks[0] kafka", "Broker: timed out (after 5 retries)"));
  const AckResult r = answer(0);
  EXPECT_TRUE(r.dead_lettered);
  auto meta = only_dead_letter("dlq", "stuck");
  EXPECT_EQ(meta["dead_letter.component"], "sinks[0] kafka");
  EXPECT_EQ(meta["dead_letter.reason"], "Broker: timed out (after 5 retries)");
  EXPECT_EQ(capture_store("out")->size(), 0u);
}

TEST_F(DeadLetterTest, WithoutADeadLetterSinkASourceIsToldNo) {
  start("    sinks: [{type: capture, name: out}]\n");
  EXPECT_FALSE(source_->dead_letter({"stuck"}, "sinks[0] kafka", "timed out"));
  ASSERT_TRUE(source_->emit({"next"}));
  EXPECT_TRUE(answer(0).ok) << "the only answer is the emit's: none came for the refused dead letter";
}

TEST_F(DeadLetterTest, AnEditThatCannotBeSerialisedIsDeadLetteredWithItsBytesReplaced) {
  start(R"(    transforms: [{type: not_utf8, marker: bad}]
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  ASSERT_TRUE(source_->emit({R"({"v":"bad"})"}));
  const AckResult r = answer(0);
  EXPECT_TRUE(r.dead_lettered) << r.reason;
  auto dead = capture_store("dlq")->snapshot();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_THAT(dead[0], HasSubstr("\"v\":\"bad\""));
  EXPECT_TRUE(nlohmann::json::accept(dead[0])) << "what reaches the dead-letter sink is valid JSON";
}

TEST(DeadLetterConfig, TheSinkIsCheckedLikeAnySink) {
  try {
    (void)config::load_config_string(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    sinks: [{type: capture, name: out}]
    dead_letter:
      sink: {type: captur, name: dlq}
)",
                                     "dl.yaml", test_registry());
    FAIL() << "expected an error";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const auto& d = e.diagnostics()[0];
    EXPECT_EQ(d.at.line, 6);
    EXPECT_EQ(d.at.column, 20);
    EXPECT_THAT(d.format(), HasSubstr("dl.yaml:6:20: error: pipeline 'p', dead_letter: unknown sink type 'captur' "
                                      "(did you mean 'capture'?)"));
  }
}

TEST(DeadLetterConfig, UnknownKeysAndAMissingSinkAreReported) {
  try {
    (void)config::load_config_string(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    sinks: [{type: capture, name: out}]
    dead_letter: {include_refused_request: true}
)",
                                     "dl.yaml", test_registry());
    FAIL() << "expected errors";
  } catch (const config::ConfigErrors& e) {
    // In the file's order: the missing sink is reported at the mapping (5:18), the key after it.
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_THAT(e.diagnostics()[0].message, HasSubstr("missing 'sink'"));
    EXPECT_THAT(e.diagnostics()[1].format(),
                HasSubstr("dl.yaml:5:19: error: pipeline 'p', dead_letter: unknown option 'include_refused_request' "
                          "(did you mean 'include_refused_requests'?)"));
  }
}

TEST(DeadLetterConfig, TheSinksOptionsAreChecked) {
  try {
    (void)config::load_config_string(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    sinks: [{type: capture, name: out}]
    dead_letter: {sink: {type: capture}}
)",
                                     "dl.yaml", test_registry());
    FAIL() << "expected an error";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_THAT(e.diagnostics()[0].format(),
                HasSubstr("pipeline 'p', dead_letter (capture): missing required option 'name'"));
  }
}

}  // namespace
}  // namespace sluice::test
