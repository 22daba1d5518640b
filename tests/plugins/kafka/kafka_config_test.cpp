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

// A topic that needs more in-sync replicas than it has would refuse every acks: all write: the
// file is refused, at the option's value, before anything runs.
TEST(KafkaConfig, MinInsyncReplicasAboveReplicationIsRefusedAtTheOption) {
  const auto d = only_error(R"(pipelines:
  p:
    source: {type: generator}
    sinks:
      - type: kafka
        topic: t
        replication: 2
        min_insync_replicas: 3
)");
  EXPECT_EQ(
      d.format(),
      "test.yaml:8:30: error: pipeline 'p', sinks[0] (kafka): min_insync_replicas: 3 is more than replication: 2; "
      "a topic cannot need more in-sync replicas than it has (every acks: all write to it would be refused): "
      "lower it or raise replication");
}

// Equal is a valid choice (no replica may be lost for a write to succeed); so is leaving it out
// (0, the broker's default).
TEST(KafkaConfig, MinInsyncReplicasUpToReplicationIsAccepted) {
  for (const char* extra : {"replication: 3, min_insync_replicas: 3", "replication: 3, min_insync_replicas: 2",
                            "replication: 3", "min_insync_replicas: 1", "min_insync_replicas: 0"}) {
    SCOPED_TRACE(extra);
    // The loader runs every component's check; nothing is created.
    EXPECT_NO_THROW((void)config::load_config_string(std::string("pipelines:\n  p:\n    source: {type: generator}\n"
                                                                 "    sinks: [{type: kafka, topic: t, ") +
                                                         extra + "}]\n",
                                                     "test.yaml", test_registry()));
  }
  const auto d = only_error(
      "pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: kafka, topic: t, min_insync_replicas: "
      "-1}]\n");
  EXPECT_THAT(d.message, ::testing::HasSubstr("min_insync_replicas"));
}

}  // namespace
}  // namespace sluice::test
