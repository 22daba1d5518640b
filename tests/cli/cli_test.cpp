// The sluice executable: commands, exit codes, messages, plugin folders and signals.

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sluice/plugin.hpp"
#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSluice = SLUICE_TEST_BINARY;

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

Finished sluice(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), kSluice);
  return run_finished(args, env);
}

TEST(Cli, VersionNamesTheAbi) {
  const auto r = sluice({"version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("sluice 0.1.0 (plugin ABI 7, toolchain " SLUICE_TOOLCHAIN_TAG ")"));
}

TEST(Cli, UsageErrorsExitWith2) {
  auto r = sluice({"rnu", "x.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'rnu' (did you mean 'run'?)"));
  r = sluice({"run"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("expected exactly one pipeline file"));
  r = sluice({"run", "x.yaml", "--colour"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option --colour"));
  r = sluice({"--log-level", "loud", "version"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown log level 'loud'"));
  r = sluice({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage: sluice"));
}

TEST(Cli, ValidateAcceptsAGoodFile) {
  const auto file =
      write_file("good.yaml", "pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: stdout}]\n");
  const auto r = sluice({"validate", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("good.yaml: OK (1 pipelines, 2 components)"));
}

TEST(Cli, ValidateReportsEveryErrorWithItsLocation) {
  const auto file = write_file("bad.yaml", R"(pipelines:
  p:
    source: {type: generatr}
    sinks: [{type: stdout, colour: red}]
)");
  const auto r = sluice({"validate", file});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(
      r.err,
      HasSubstr(file +
                ":3:20: error: pipeline 'p', source: unknown source type 'generatr' (did you mean 'generator'?)"));
  EXPECT_THAT(r.err, HasSubstr(file + ":4:28: error: pipeline 'p', sinks[0] (stdout): unknown option 'colour'"));
  EXPECT_THAT(r.err, HasSubstr("2 errors; nothing was started"));
}

TEST(Cli, RunRefusesABadFileBeforeStartingAnything) {
  const auto file = write_file(
      "bad_run.yaml", "pipelines:\n  p:\n    source: {type: generator, rate: x}\n    sinks: [{type: stdout}]\n");
  const auto r = sluice({"run", file});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("option 'rate' expects a number, got 'x'"));
  EXPECT_THAT(r.err, Not(HasSubstr("running")));
}

TEST(Cli, OnlyMustNameAPipelineOfTheFile) {
  const auto file =
      write_file("only.yaml", "pipelines:\n  ingest:\n    source: {type: generator}\n    sinks: [{type: drop}]\n");
  const auto r = sluice({"run", file, "--only", "ingets"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--only ingets: no pipeline of that name (did you mean 'ingest'?)"));
}

TEST(Cli, OnlyRunsTheNamedPipeline) {
  const auto file = write_file("two.yaml", R"(pipelines:
  a:
    source: {type: generator, count: 3, payload: 'a{{seq}}'}
    sinks: [{type: stdout}]
  b:
    source: {type: generator, count: 3, payload: 'b{{seq}}'}
    sinks: [{type: stdout}]
)");
  const auto r = sluice({"run", file, "--only", "b"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "b1\nb2\nb3\n");
}

// Every component the build makes, each with its kind and the library that holds it, and nothing
// else: a plugin that stops loading, or a component that moves library or kind, fails here.
TEST(Cli, PluginsListsEveryComponentWithItsLibrary) {
  const auto r = sluice({"plugins"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_TRUE(std::regex_search(line, std::regex("^KIND +TYPE +LIBRARY +SUMMARY$"))) << line;
  std::vector<std::string> rows;  // "kind type library-file"
  while (std::getline(lines, line)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, std::regex("(\\w+) +(\\w+) +(\\S+) +(\\S.*)"))) << line;
    const std::string library = m[3];
    EXPECT_EQ(library.rfind(std::string(SLUICE_TEST_PLUGIN_DIR) + "/", 0), 0u)
        << "from the build's plugin folder: " << line;
    rows.push_back(m[1].str() + " " + m[2].str() + " " + library.substr(library.rfind('/') + 1));
  }
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "sink drop libsluice-drop.so",
                      "sink http libsluice-http.so",
                      "sink inproc libsluice-inproc.so",
                      "sink kafka libsluice-kafka.so",
                      "sink stdout libsluice-stdout.so",
                      "sink websocket libsluice-websocket.so",
                      "source generator libsluice-generator.so",
                      "source http libsluice-http.so",
                      "source inproc libsluice-inproc.so",
                      "source kafka libsluice-kafka.so",
                      "transform aggregate libsluice-clicks.so",
                      "transform enrich libsluice-clicks.so",
                      "transform json_validate libsluice-clicks.so",
                  }))
      << r.out;
}

TEST(Cli, DescribeShowsTheOptionTable) {
  auto r = sluice({"plugins", "--describe", "generator"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("generator (source)"));
  EXPECT_THAT(r.out, HasSubstr("count (integer), default: 0"));
  EXPECT_THAT(r.out, HasSubstr("example: 10000"));
  r = sluice({"plugins", "--describe", "inproc"});
  EXPECT_THAT(r.out, HasSubstr("inproc (source)"));
  EXPECT_THAT(r.out, HasSubstr("inproc (sink)"));
  EXPECT_THAT(r.out, HasSubstr("channel (string), required"));
  r = sluice({"plugins", "--describe", "stdot"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no component of type 'stdot' (did you mean 'stdout'?)"));
}

TEST(Cli, PluginDirAddsPluginsAndReportsRefusedOnes) {
  const auto file = write_file(
      "stall.yaml", "pipelines:\n  p:\n    source: {type: generator, count: 1}\n    sinks: [{type: stall}]\n");
  const auto r = sluice({"--plugin-dir", SLUICE_TEST_FIXTURE_DIR, "validate", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("plugin refused: " SLUICE_TEST_FIXTURE_DIR
                               "/libsluice-fixture_wrong_abi.so: built for Sluice plugin ABI 999"));
  EXPECT_THAT(r.err, HasSubstr("libsluice-not-a-library.so: not a shared library"));
  const auto without = sluice({"validate", file});
  EXPECT_EQ(without.code, 2);
  EXPECT_THAT(without.err, HasSubstr("unknown sink type 'stall'"));
}

TEST(Cli, PluginPathFromTheEnvironment) {
  const auto r = sluice({"plugins"}, {{"SLUICE_PLUGIN_PATH", std::string("/nonexistent:") + SLUICE_TEST_FIXTURE_DIR}});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("sink +stall +\\S+/libsluice-fixture_good.so"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("libsluice-generator.so")) << "the default folder is still searched";
}

// SIGTERM: the source stops, everything it made is delivered, exit 0.
TEST(Cli, SigtermDrainsAndExitsZero) {
  const auto file = write_file("forever.yaml", R"(pipelines:
  p:
    source: {type: generator, rate: 5000, payload: '{"n":{{seq}}}'}
    sinks: [{type: stdout}]
)");
  Subprocess p({kSluice, "run", file});
  ASSERT_TRUE(p.wait_for_output([](const std::string& out, const std::string&) { return out.size() > 1000; }));
  p.send_signal(SIGTERM);
  ASSERT_EQ(p.wait(), 0) << p.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(p.err(), m, std::regex("made (\\d+) events: (\\d+) acknowledged, 0 failed")))
      << p.err();
  EXPECT_EQ(m[1], m[2]);
  const auto lines = static_cast<std::size_t>(std::count(p.out().begin(), p.out().end(), '\n'));
  EXPECT_EQ(std::to_string(lines), m[1].str()) << "every event made was written before exit";
  EXPECT_THAT(p.err(), HasSubstr("received SIGTERM; draining"));
}

const char* kStalled = R"(engine: {shutdown_timeout: SHUTDOWN}
pipelines:
  p:
    source: {type: generator, rate: 1000}
    sinks: [{type: stall}]
)";

std::string stalled_file(const std::string& name, const std::string& timeout) {
  std::string yaml = kStalled;
  yaml.replace(yaml.find("SHUTDOWN"), 8, timeout);
  return write_file(name, yaml);
}

TEST(Cli, PastTheShutdownDeadlineItSaysSoAndExits1) {
  const auto file = stalled_file("stalled.yaml", "300ms");
  Subprocess p({kSluice, "--plugin-dir", SLUICE_TEST_FIXTURE_DIR, "run", file});
  ASSERT_TRUE(p.wait_for_output([](const std::string&, const std::string& err) {
    return err.find("holding the first batch") != std::string::npos;
  }));
  p.send_signal(SIGINT);
  EXPECT_EQ(p.wait(), 1) << p.err();
  EXPECT_THAT(p.err(),
              HasSubstr("were still unconfirmed by their sinks at the shutdown deadline; their events are nacked"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(p.err(), m, std::regex("made (\\d+) events: 0 acknowledged, (\\d+) failed")))
      << p.err();
  EXPECT_EQ(m[1], m[2]) << "nothing the sink never confirmed was acknowledged";
}

TEST(Cli, ASecondSignalExitsAtOnce) {
  const auto file = stalled_file("stalled2.yaml", "10m");
  Subprocess p({kSluice, "--plugin-dir", SLUICE_TEST_FIXTURE_DIR, "run", file});
  ASSERT_TRUE(p.wait_for_output([](const std::string&, const std::string& err) {
    return err.find("holding the first batch") != std::string::npos;
  }));
  p.send_signal(SIGTERM);
  ASSERT_TRUE(p.wait_for_output(
      [](const std::string&, const std::string& err) { return err.find("draining") != std::string::npos; }));
  p.send_signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 128 + SIGTERM) << p.err();
  EXPECT_THAT(p.err(), HasSubstr("second signal: exiting at once"));
}

}  // namespace
}  // namespace sluice::test
