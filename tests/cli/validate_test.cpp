// `sluice validate` refuses what `sluice run` refuses, with the same positioned messages, and
// `run` refuses it before creating anything; a run that could deliver nothing exits 1. The real
// executable, as a user runs it.

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Finished sluice(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), SLUICE_TEST_BINARY);
  return run_finished(args, env);
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// The lines of stderr that are diagnostics ("file:line:col: error: ...") and the summary.
std::vector<std::string> report_lines(const std::string& err) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < err.size()) {
    const std::size_t end = err.find('\n', start);
    const std::string line = err.substr(start, end - start);
    if (line.find(": error: ") != std::string::npos || line.find("nothing was started") != std::string::npos) {
      lines.push_back(line);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

struct Case {
  const char* name;
  const char* yaml;
  const char* expected;  // the whole diagnostic after the file name
};

// The five files of issue 10 that `validate` used to accept and `run` refused, and one more.
const Case kCases[] = {
    {"placeholder.yaml",
     "pipelines:\n  p:\n    source: {type: generator, payload: '{{sequence}}'}\n    sinks: [{type: drop}]\n",
     ":3:40: error: pipeline 'p', source (generator): unknown placeholder {{sequence}}; known: {{seq}}, "
     "{{timestamp_ms}}"},
    {"json_type.yaml",
     "pipelines:\n  p:\n    source: {type: generator}\n    transforms: [{type: json_validate, required: {page: "
     "text}}]\n"
     "    sinks: [{type: drop}]\n",
     ":4:50: error: pipeline 'p', transforms[0] (json_validate): field 'page': unknown type 'text'; expected string, "
     "number, integer, boolean, object, array or any"},
    {"two_readers.yaml",
     "pipelines:\n  a:\n    source: {type: inproc, channel: c}\n    sinks: [{type: drop}]\n"
     "  b:\n    source: {type: inproc, channel: c}\n    sinks: [{type: drop}]\n",
     ":6:37: error: pipeline 'b', source (inproc): channel 'c' already has an inproc source; a channel has exactly one "
     "reader; the first is pipeline 'a', source (inproc), at "},
    {"acks.yaml",
     "pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: kafka, topic: t, acks: \"1\"}]\n",
     ":4:43: error: pipeline 'p', sinks[0] (kafka): acks: 1 needs idempotence: false (an idempotent producer needs "
     "acks: all)"},
    {"property.yaml",
     "pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: kafka, topic: t, properties: {no.such: "
     "x}}]\n",
     ":4:49: error: pipeline 'p', sinks[0] (kafka): librdkafka refuses no.such=x: No such configuration property: "
     "\"no.such\""},
    // The aggregate reads rebuild_topic through the kafka source's connection settings: its
    // rebuild_properties are librdkafka's, checked the same way.
    {"rebuild_property.yaml",
     "pipelines:\n  p:\n    source: {type: generator}\n"
     "    transforms: [{type: aggregate, rebuild_topic: t, rebuild_properties: {no.such: x}}]\n    sinks: [{type: "
     "drop}]\n",
     ":4:74: error: pipeline 'p', transforms[0] (aggregate): librdkafka refuses no.such=x: No such configuration "
     "property: \"no.such\""},
};

TEST(Validate, RefusesWhatRunRefusesWithTheSameMessage) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto file = write_file(c.name, c.yaml);
    const auto validate = sluice({"validate", file});
    EXPECT_EQ(validate.code, 2) << validate.out << validate.err;
    EXPECT_THAT(validate.err, HasSubstr(file + c.expected));
    EXPECT_THAT(validate.err, HasSubstr("\n1 error; nothing was started\n"));

    const auto run = sluice({"run", file});
    EXPECT_EQ(run.code, 2) << run.err;
    EXPECT_EQ(report_lines(run.err), report_lines(validate.err));
    // Refused before any component was made: no client connected, no source ran.
    EXPECT_THAT(run.err, Not(HasSubstr("running")));
    EXPECT_THAT(run.err, Not(HasSubstr("Kafka:")));
    EXPECT_THAT(run.err, Not(HasSubstr("made 0 events")));
  }
}

TEST(Validate, ReportsEveryErrorOfTheFileWithItsPosition) {
  const auto file = write_file("many.yaml", R"(pipelines:
  p:
    source: {type: generator, rat: 5, payload: '{{sequence}}'}
    transforms: [{type: json_validate, required: {page: text}}]
    sinks: [{type: kafka, topic: t, acks: "1", properties: {no.such: x}}]
  q:
    source: {type: inproc, channel: c}
    sinks: [{type: drop}]
  r:
    source: {type: inproc, channel: c}
    sinks: [{type: drop}]
)");
  const auto r = sluice({"validate", file});
  EXPECT_EQ(r.code, 2);
  const std::vector<std::string> expected = {
      file +
          ":3:31: error: pipeline 'p', source (generator): unknown option 'rat' (did you mean 'rate'?); expected "
          "one of: rate, count, payload, batch_size",
      file +
          ":3:48: error: pipeline 'p', source (generator): unknown placeholder {{sequence}}; known: {{seq}}, "
          "{{timestamp_ms}}",
      file +
          ":4:50: error: pipeline 'p', transforms[0] (json_validate): field 'page': unknown type 'text'; expected "
          "string, number, integer, boolean, object, array or any",
      file +
          ":5:43: error: pipeline 'p', sinks[0] (kafka): acks: 1 needs idempotence: false (an idempotent producer "
          "needs acks: all)",
      file +
          ":5:60: error: pipeline 'p', sinks[0] (kafka): librdkafka refuses no.such=x: No such configuration "
          "property: \"no.such\"",
      file +
          ":10:37: error: pipeline 'r', source (inproc): channel 'c' already has an inproc source; a channel has "
          "exactly one reader; the first is pipeline 'q', source (inproc), at " +
          file + ":7:37",
      "6 errors; nothing was started",
  };
  EXPECT_EQ(report_lines(r.err), expected);
}

TEST(Validate, TypeMayComeFromTheEnvironment) {
  const auto file = write_file("env_type.yaml",
                               "pipelines:\n  p:\n    source: {type: generator, count: 2}\n"
                               "    sinks: [{type: \"${SINK:-stdout}\"}]\n");
  auto r = sluice({"validate", file});
  EXPECT_EQ(r.code, 0) << r.err;
  r = sluice({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"seq\":1}\n{\"seq\":2}\n");
  r = sluice({"run", file}, {{"SINK", "drop"}});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Run, ExitsOneWhenNothingCouldBeDelivered) {
  // Port 1 on localhost refuses every connection: every event times out in the kafka sink.
  const auto file = write_file("undeliverable.yaml", R"(pipelines:
  p:
    source: {type: generator, count: 3}
    sinks:
      - {type: kafka, brokers: ["127.0.0.1:1"], topic: t, create_topic: false, message_timeout: 200ms}
)");
  const auto r = sluice({"run", file});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no event could be delivered (1 emit of the source failed, none succeeded); the first "
                               "failed because sinks[0] kafka: Local: Message timed out"));
  EXPECT_THAT(r.err, HasSubstr("made 3 events: 0 acknowledged, 3 failed"));
}

TEST(Run, RejectedInputAloneIsNotAFailedRun) {
  // Every event is refused as bad input: the pipeline did its job, the events were at fault.
  const auto file = write_file("all_rejected.yaml", R"(pipelines:
  p:
    source: {type: generator, count: 3, payload: '[{{seq}}]'}
    transforms: [{type: json_validate, required: {page: string}}]
    sinks: [{type: drop}]
)");
  const auto r = sluice({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("0 acknowledged, 3 failed"));
}

}  // namespace
}  // namespace sluice::test
