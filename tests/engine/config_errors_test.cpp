// Every class of configuration mistake: reported at file:line:column, saying what was expected,
// all of them at once.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_components.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

std::vector<Diagnostic> errors_of(const std::string& yaml) {
  try {
    (void)load_config_string(yaml, "bad.yaml", test::test_registry());
  } catch (const ConfigErrors& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected configuration errors";
  return {};
}

Diagnostic only_error(const std::string& yaml) {
  auto all = errors_of(yaml);
  EXPECT_EQ(all.size(), 1u);
  for (const auto& d : all) std::cerr << d.format() << "\n";
  return all.empty() ? Diagnostic{} : all[0];
}

TEST(ConfigErrors, InvalidYamlNamesLineAndColumn) {
  // The flow mapping opened on line 3 is never closed, so `sinks: []` is read inside it, and the
  // ':' after `sinks` (line 4, the 10th character of "    sinks: []") is where yaml-cpp stops.
  const auto d = only_error("pipelines:\n  demo:\n    source: { type: generator\n    sinks: []\n");
  EXPECT_EQ(d.at.file, "bad.yaml");
  EXPECT_EQ(d.at.line, 4);
  EXPECT_EQ(d.at.column, 10);
  EXPECT_THAT(d.message, HasSubstr("invalid YAML"));
}

TEST(ConfigErrors, InvalidYamlColumnCountsFromOne) {
  // A tab cannot indent a block mapping: yaml-cpp refuses the ':' after `demo`, the 6th
  // character of "\tdemo: {}" (yaml-cpp counts from 0; the file's columns count from 1).
  const auto d = only_error("pipelines:\n\tdemo: {}\n");
  EXPECT_EQ(d.at.line, 2);
  EXPECT_EQ(d.at.column, 6);
  EXPECT_THAT(d.message, HasSubstr("invalid YAML: illegal map value"));
}

TEST(ConfigErrors, UnknownOptionSuggestsTheClosestName) {
  const auto d =
      only_error("pipelines:\n  demo:\n    source: { type: generator, rat: 10 }\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.at.line, 3);
  EXPECT_EQ(d.at.column, 32);
  EXPECT_EQ(d.where, "pipeline 'demo', source (generator)");
  EXPECT_THAT(d.message, HasSubstr("unknown option 'rat' (did you mean 'rate'?)"));
  EXPECT_THAT(d.message, HasSubstr("expected one of: rate, count, payload, batch_size"));
  EXPECT_EQ(d.format(), "bad.yaml:3:32: error: pipeline 'demo', source (generator): " + d.message);
}

TEST(ConfigErrors, WrongTypeSaysWhatWasExpected) {
  const auto d = only_error(
      "pipelines:\n  demo:\n    source:\n      type: generator\n      rate: fast\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.at.line, 5);
  EXPECT_EQ(d.at.column, 13);
  EXPECT_EQ(d.message, "option 'rate' expects a number, got 'fast'");
}

TEST(ConfigErrors, ListWhereAScalarBelongs) {
  const auto d =
      only_error("pipelines:\n  demo:\n    source: { type: generator, count: [1, 2] }\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.at.line, 3);
  EXPECT_EQ(d.message, "option 'count' expects a whole number, got a list");
}

TEST(ConfigErrors, MissingRequiredOption) {
  const auto d = only_error("pipelines:\n  demo:\n    source: { type: inproc }\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.at.line, 3);
  EXPECT_EQ(d.at.column, 13);
  EXPECT_THAT(d.message, HasSubstr("missing required option 'channel' (string)"));
}

TEST(ConfigErrors, ValueOutOfRange) {
  const auto d =
      only_error("pipelines:\n  demo:\n    source: { type: generator, batch_size: 0 }\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.message, "option 'batch_size' must be at least 1, got '0'");
  EXPECT_EQ(d.at.column, 44);
}

TEST(ConfigErrors, DurationWithoutUnit) {
  const auto d = only_error(
      "engine: { shutdown_timeout: 5 }\npipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: drop}]\n");
  EXPECT_EQ(d.where, "engine");
  EXPECT_EQ(d.at.line, 1);
  EXPECT_THAT(d.message, HasSubstr("expects a duration such as 250ms, 5s, 2m or 1h, got '5'"));
}

TEST(ConfigErrors, UnknownTypeNamesTheClosestKnownOne) {
  const auto d = only_error("pipelines:\n  demo:\n    source: { type: generatr }\n    sinks: [ {type: drop} ]\n");
  EXPECT_EQ(d.at.line, 3);
  EXPECT_EQ(d.at.column, 21);
  EXPECT_THAT(d.message, HasSubstr("unknown source type 'generatr' (did you mean 'generator'?)"));
  EXPECT_THAT(d.message, HasSubstr("known sources: generator, http, inproc, kafka, scripted"));
}

TEST(ConfigErrors, TypeOfTheWrongKind) {
  const auto d = only_error("pipelines:\n  demo:\n    source: { type: stdout }\n    sinks: [ {type: drop} ]\n");
  EXPECT_THAT(d.message, HasSubstr("'stdout' is a sink, not a source"));
}

TEST(ConfigErrors, MissingTypeListsTheChoices) {
  const auto d = only_error("pipelines:\n  demo:\n    source: { rate: 1 }\n    sinks: [ {type: drop} ]\n");
  EXPECT_THAT(d.message, HasSubstr("missing 'type'"));
  EXPECT_THAT(d.message, HasSubstr("generator"));
}

TEST(ConfigErrors, PipelineStructure) {
  auto all = errors_of(
      "pipelines:\n  a:\n    sinks: [ {type: drop} ]\n  b:\n    source: { type: generator }\n    sinks: []\n  c:\n    "
      "source: { type: generator }\n");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_THAT(all[0].message, HasSubstr("missing 'source'"));
  EXPECT_EQ(all[0].at.line, 2);
  EXPECT_THAT(all[1].message, HasSubstr("'sinks' must be a list with at least one component"));
  EXPECT_EQ(all[1].at.line, 6);
  EXPECT_THAT(all[2].message, HasSubstr("missing 'sinks'"));
  EXPECT_EQ(all[2].at.line, 7);
}

TEST(ConfigErrors, UnknownTopLevelAndPipelineKeys) {
  auto all = errors_of("pipeline:\n  x: 1\n");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_THAT(all[0].message, HasSubstr("unknown top-level key 'pipeline' (did you mean 'pipelines'?)"));
  EXPECT_THAT(all[1].message, HasSubstr("missing 'pipelines'"));

  const auto d = only_error(
      "pipelines:\n  p:\n    source: {type: generator}\n    sink: [{type: drop}]\n    sinks: [{type: drop}]\n");
  EXPECT_EQ(d.at.line, 4);
  EXPECT_THAT(d.message, HasSubstr("unknown option 'sink' (did you mean 'sinks'?)"));
}

TEST(ConfigErrors, DuplicateKey) {
  const auto d =
      only_error("pipelines:\n  p:\n    source: {type: generator, rate: 1, rate: 2}\n    sinks: [{type: drop}]\n");
  EXPECT_THAT(d.message, HasSubstr("duplicate key 'rate'"));
}

TEST(ConfigErrors, EmptyFile) {
  const auto d = only_error("");
  EXPECT_THAT(d.message, HasSubstr("an empty document"));
}

TEST(ConfigErrors, AllErrorsAreReportedAtOnce) {
  auto all = errors_of(R"(pipelines:
  demo:
    queue_capacity: 0
    source: { type: generator, rate: fast, count: -1 }
    transforms:
      - { type: rejekt }
    sinks:
      - { type: stdout, colour: red }
)");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_THAT(all[0].message, HasSubstr("'queue_capacity' must be at least 1"));
  EXPECT_EQ(all[0].at.line, 3);
  EXPECT_THAT(all[1].message, HasSubstr("'rate' expects a number"));
  EXPECT_THAT(all[2].message, HasSubstr("'count' must be at least 0"));
  EXPECT_EQ(all[2].at.line, 4);
  EXPECT_THAT(all[3].message, HasSubstr("unknown transform type 'rejekt' (did you mean 'reject'?)"));
  EXPECT_EQ(all[3].at.line, 6);
  EXPECT_THAT(all[4].message, HasSubstr("unknown option 'colour'"));
  EXPECT_EQ(all[4].at.line, 8);
}

TEST(ConfigErrors, UnreadableFile) {
  try {
    (void)load_config_file("/nonexistent/pipeline.yaml", test::test_registry());
    FAIL() << "expected an error";
  } catch (const ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_THAT(
        e.diagnostics()[0].format(),
        HasSubstr("/nonexistent/pipeline.yaml: error: cannot read the pipeline file: No such file or directory"));
  }
}

}  // namespace
}  // namespace sluice::config
