// The components' check steps (ComponentSpec::validate) run while the file is loaded, so
// `sluice validate` refuses what `sluice run` refuses, at the offending option's line and column,
// and a file's every problem is reported in one pass. Real plugins, loaded from the build.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_diagnostics.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

using test::column_of;

std::vector<Diagnostic> errors_of(const std::string& yaml, const EnvLookup& env = process_environment()) {
  return test::config_errors_of(yaml, "bad.yaml", env);
}

void expect_at(const Diagnostic& d, const std::string& yaml, int line, const std::string& needle) {
  test::expect_at(d, yaml, line, needle, "bad.yaml");
}

TEST(ComponentChecks, GeneratorRefusesAnUnknownPlaceholder) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator, payload: 'n={{sequence}}'}
    sinks: [{type: drop}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 3, "'n={{");
  EXPECT_EQ(all[0].where, "pipeline 'demo', source (generator)");
  EXPECT_EQ(all[0].message, "unknown placeholder {{sequence}}; known: {{seq}}, {{timestamp_ms}}");
}

TEST(ComponentChecks, JsonValidateRefusesAnUnknownType) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    transforms:
      - type: json_validate
        required: {page: text}
    sinks: [{type: drop}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 6, "{page");
  EXPECT_EQ(all[0].where, "pipeline 'demo', transforms[0] (json_validate)");
  EXPECT_THAT(all[0].message, HasSubstr("field 'page': unknown type 'text'; expected string, number"));
}

TEST(ComponentChecks, ASecondInprocReaderPointsAtBothPlaces) {
  const std::string yaml = R"(pipelines:
  first:
    source: {type: inproc, channel: clicks}
    sinks: [{type: drop}]
  second:
    source: {type: inproc, channel: clicks}
    sinks: [{type: drop}]
  writer:
    source: {type: generator}
    sinks: [{type: inproc, channel: clicks}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 6, "clicks");
  EXPECT_EQ(all[0].where, "pipeline 'second', source (inproc)");
  EXPECT_EQ(all[0].message,
            "channel 'clicks' already has an inproc source; a channel has exactly one reader; the first "
            "is pipeline 'first', source (inproc), at bad.yaml:3:" +
                std::to_string(column_of(yaml, 3, "clicks")));
}

TEST(ComponentChecks, InprocReadersOfDifferentChannelsAreFine) {
  EXPECT_NO_THROW(load_config_string(R"(pipelines:
  first:
    source: {type: inproc, channel: a}
    sinks: [{type: drop}]
  second:
    source: {type: inproc, channel: b}
    sinks: [{type: drop}]
)",
                                     "good.yaml", test::test_registry()));
}

TEST(ComponentChecks, KafkaRefusesAcksOneWithIdempotence) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks:
      - type: kafka
        topic: clicks
        acks: "1"
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 7, "\"1\"");
  EXPECT_EQ(all[0].where, "pipeline 'demo', sinks[0] (kafka)");
  EXPECT_EQ(all[0].message, "acks: 1 needs idempotence: false (an idempotent producer needs acks: all)");
}

TEST(ComponentChecks, KafkaAcksOneWithoutIdempotenceIsFine) {
  EXPECT_NO_THROW(load_config_string(R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: kafka, topic: clicks, acks: "1", idempotence: false}]
)",
                                     "good.yaml", test::test_registry()));
}

TEST(ComponentChecks, KafkaSeesAcksSetThroughProperties) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: kafka, topic: clicks, properties: {acks: "0"}}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "{acks");
  EXPECT_THAT(all[0].message, HasSubstr("needs idempotence: false"));
}

TEST(ComponentChecks, KafkaRefusesAnUnknownLibrdkafkaProperty) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: kafka, topics: [clicks], properties: {no.such.thing: x}}
    sinks: [{type: drop}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 3, "{no.such");
  EXPECT_EQ(all[0].where, "pipeline 'demo', source (kafka)");
  EXPECT_THAT(all[0].message, HasSubstr("librdkafka refuses no.such.thing=x: No such configuration property"));
}

TEST(ComponentChecks, TwoListenersOnOnePort) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: http, listen: "127.0.0.1:18080", routes: [{path: /health, action: health}]}
    sinks: [{type: websocket, listen: "127.0.0.1:18080"}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "\"127");
  EXPECT_THAT(all[0].message, HasSubstr("another component listens on 127.0.0.1:18080 already; the first is pipeline "
                                        "'demo', source (http), at bad.yaml:3:" +
                                        std::to_string(column_of(yaml, 3, "\"127"))));
}

TEST(ComponentChecks, EveryErrorOfTheFileInFileOrder) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator, rat: 5, payload: '{{sequence}}', batch_size: 0}
    transforms:
      - {type: json_validate, required: {page: text}}
    sinks:
      - {type: kafka, topic: clicks, acks: "0", properties: {no.such.thing: x}}
      - {type: stdout, colour: red}
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 7u);
  expect_at(all[0], yaml, 3, "rat:");
  EXPECT_THAT(all[0].message, HasSubstr("unknown option 'rat'"));
  expect_at(all[1], yaml, 3, "'{{");
  EXPECT_THAT(all[1].message, HasSubstr("unknown placeholder {{sequence}}"));
  expect_at(all[2], yaml, 3, "0}");
  EXPECT_THAT(all[2].message, HasSubstr("option 'batch_size' must be at least 1"));
  expect_at(all[3], yaml, 5, "{page");
  EXPECT_THAT(all[3].message, HasSubstr("unknown type 'text'"));
  expect_at(all[4], yaml, 7, "\"0\"");
  EXPECT_THAT(all[4].message, HasSubstr("acks: 0 needs idempotence: false"));
  expect_at(all[5], yaml, 7, "{no.such");
  EXPECT_THAT(all[5].message, HasSubstr("librdkafka refuses no.such.thing=x"));
  expect_at(all[6], yaml, 8, "colour");
}

TEST(ComponentChecks, ARefusedValueIsNotReportedTwice) {
  // max_client_bytes is refused by its table and reads as its default (1MiB), which is less than
  // twice max_frame_bytes: the check's complaint would be about the default, not what the user
  // wrote, so only the table's error is reported.
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: websocket, listen: "127.0.0.1:0", max_frame_bytes: 1MiB, max_client_bytes: x}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "x}");
  EXPECT_THAT(all[0].message, HasSubstr("option 'max_client_bytes' expects"));
}

TEST(ComponentChecks, WebsocketClientBytesMustHoldTwoFrames) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: websocket, listen: "127.0.0.1:0", max_frame_bytes: 1MiB, max_client_bytes: 1MiB}]
)";
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "1MiB}");
  EXPECT_EQ(all[0].message, "must be at least twice max_frame_bytes (1048576 bytes)");
}

TEST(ComponentChecks, EnvironmentReferencesWorkInTypeAndPipelineNames) {
  const std::string yaml = R"(pipelines:
  "${NAME:-ingest}":
    source: {type: "${SOURCE:-generator}"}
    sinks: [{type: "${SINK:-stdout}"}]
)";
  const auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto config = load_config_string(yaml, "env.yaml", test::test_registry(), none);
  ASSERT_EQ(config.pipelines.size(), 1u);
  EXPECT_EQ(config.pipelines[0].name, "ingest");
  EXPECT_EQ(config.pipelines[0].source.type, "generator");
  EXPECT_EQ(config.pipelines[0].sinks[0].type, "stdout");

  const auto set = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SINK") return "drop";
    if (name == "NAME") return "clicks";
    return std::nullopt;
  };
  config = load_config_string(yaml, "env.yaml", test::test_registry(), set);
  EXPECT_EQ(config.pipelines[0].name, "clicks");
  EXPECT_EQ(config.pipelines[0].sinks[0].type, "drop");
  EXPECT_EQ(config.pipelines[0].sinks[0].label, "sinks[0] drop");
}

TEST(ComponentChecks, AnUnknownTypeFromTheEnvironmentShowsItsReference) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: "${SINK}"}]
)";
  const auto all = errors_of(yaml, [](const std::string&) -> std::optional<std::string> { return "stdot"; });
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "\"${SINK}\"");
  EXPECT_THAT(all[0].message, HasSubstr("unknown sink type 'stdot' (from '${SINK}') (did you mean 'stdout'?)"));
}

TEST(ComponentChecks, AnUnsetVariableInTypeIsPositioned) {
  const std::string yaml = R"(pipelines:
  demo:
    source: {type: generator}
    sinks: [{type: "${SINK}"}]
)";
  const auto all = errors_of(yaml, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 4, "\"${SINK}\"");
  EXPECT_THAT(all[0].message, HasSubstr("environment variable SINK is not set"));
}

TEST(ComponentChecks, AReferenceInAnOptionNameSaysWhereReferencesWork) {
  const auto all = errors_of(R"(pipelines:
  demo:
    source: {type: generator, "${KEY}": 5}
    sinks: [{type: drop}]
)");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_THAT(all[0].message,
              HasSubstr("${VAR} is replaced in values, `type` and pipeline names, never in option names"));
}

}  // namespace
}  // namespace sluice::config
