// `generator` source.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"

namespace sluice::test {
namespace {

TEST(Generator, MakesCountEventsFromTheTemplateThenEnds) {
  reset_test_components();
  auto engine = make_engine(
      "pipelines:\n  p:\n    source: {type: generator, count: 250, batch_size: 32, "
      "payload: '{\"page\":\"demo\",\"clickNumber\":{{seq}},\"ts\":{{timestamp_ms}}}'}\n"
      "    sinks: [{type: capture, name: out}]\n");
  EXPECT_EQ(engine->run(), 0);
  auto payloads = capture_store("out")->snapshot();
  ASSERT_EQ(payloads.size(), 250u);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    auto j = nlohmann::json::parse(payloads[i]);
    ASSERT_EQ(j["clickNumber"], i + 1);
    ASSERT_EQ(j["page"], "demo");
    ASSERT_GT(j["ts"].get<std::int64_t>(), 1'700'000'000'000);
  }
}

TEST(Generator, DefaultPayloadCarriesTheSequence) {
  reset_test_components();
  auto engine = make_engine(
      "pipelines:\n  p:\n    source: {type: generator, count: 3}\n    sinks: [{type: capture, name: out}]\n");
  EXPECT_EQ(engine->run(), 0);
  EXPECT_EQ(capture_store("out")->snapshot(),
            (std::vector<std::string>{R"({"seq":1})", R"({"seq":2})", R"({"seq":3})"}));
}

TEST(Generator, WithARateItStillDeliversEverything) {
  reset_test_components();
  auto engine = make_engine(
      "pipelines:\n  p:\n    source: {type: generator, count: 40, rate: 400}\n    sinks: [{type: capture, name: "
      "out}]\n");
  EXPECT_EQ(engine->run(), 0);
  EXPECT_EQ(capture_store("out")->size(), 40u);
}

TEST(Generator, UnknownPlaceholderIsAConfigErrorAtTheOption) {
  try {
    (void)make_engine(
        "pipelines:\n  p:\n    source: {type: generator, payload: 'x {{sequence}}'}\n    sinks: [{type: drop}]\n");
    FAIL() << "expected an error";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const auto& d = e.diagnostics()[0];
    EXPECT_EQ(d.at.line, 3);
    EXPECT_EQ(d.at.column, 40);
    EXPECT_EQ(d.message, "unknown placeholder {{sequence}}; known: {{seq}}, {{timestamp_ms}}");
  }
}

TEST(Generator, NacksAreCountedNotHidden) {
  reset_test_components();
  auto engine = make_engine("pipelines:\n  p:\n    source: {type: generator, count: 10}\n    sinks: [{type: fail}]\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(engine->run(), 1) << "every event failed: nothing could be delivered";
  engine.reset();
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("events failed: sinks[0] fail: boom"));
  EXPECT_THAT(log, ::testing::HasSubstr("made 10 events: 0 acknowledged, 10 failed"));
}

}  // namespace
}  // namespace sluice::test
