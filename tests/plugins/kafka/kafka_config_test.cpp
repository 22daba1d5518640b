// Kafka options librdkafka refuses are configuration errors located at the option, before
// anything runs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"

namespace sluice::test {
namespace {

config::Diagnostic only_error(const std::string& yaml) {
  try {
    (void)make_engine(yaml);
  } catch (const config::ConfigErrors& e) {
    EXPECT_EQ(e.diagnostics().size(), 1u);
    return e.diagnostics().at(0);
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

TEST(KafkaConfig, AnUnknownLibrdkafkaPropertyIsReportedAtProperties) {
  const auto d = only_error(R"(pipelines:
  p:
    source: {type: generator}
    sinks:
      - type: kafka
        topic: t
        properties: {no.such.property: x}
)");
  EXPECT_EQ(d.at.line, 7);
  EXPECT_THAT(d.message, ::testing::HasSubstr("librdkafka refuses no.such.property=x: No such configuration property"));
}

TEST(KafkaConfig, IdempotenceNeedsAcksAll) {
  const auto d =
      only_error("pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: kafka, topic: t, acks: '1'}]\n");
  EXPECT_THAT(d.message, ::testing::HasSubstr("acks"));
  EXPECT_EQ(d.where, "pipeline 'p', sinks[0] (kafka)");
}

TEST(KafkaConfig, ChoicesAreChecked) {
  const auto d = only_error(
      "pipelines:\n  p:\n    source: {type: kafka, topics: [t], start: beginning}\n    sinks: [{type: drop}]\n");
  EXPECT_THAT(d.message, ::testing::HasSubstr("option 'start' must be one of earliest, latest"));
}

// Offsets are tracked by partition number: with two topics, partition 0 of each would share the
// bookkeeping, and an ack of one could commit the other past undelivered events. Refused, not lost.
TEST(KafkaConfig, ASourceReadsOneTopic) {
  const auto d = only_error("pipelines:\n  p:\n    source: {type: kafka, topics: [a, b]}\n    sinks: [{type: drop}]\n");
  EXPECT_THAT(d.message, ::testing::HasSubstr("one topic"));
  EXPECT_EQ(d.where, "pipeline 'p', source (kafka)");
}

}  // namespace
}  // namespace sluice::test
