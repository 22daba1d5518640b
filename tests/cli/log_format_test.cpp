// The log line format the README documents, parsed from the stderr of a real `sluice run`:
//   2026-11-28T04:36:43.162Z INFO  [demo/source generator] made 5 events: 5 acknowledged, 0 failed
// UTC time to the millisecond, the level in five columns, the scope in brackets (pipeline/component
// for a component's lines; engine or plugins for the engine's own), the message. Logs go to stderr
// only: stdout carries the stdout sink's events and nothing else. --log-level drops lower levels.

#include <ctime>
#include <fstream>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

const std::string kSluice = SLUICE_TEST_BINARY;

// The README's example pipeline, with a count so the run ends by itself.
std::string demo_file() {
  const std::string path = ::testing::TempDir() + "log-format-demo.yaml";
  std::ofstream(path)
      << "pipelines:\n"
         "  demo:\n"
         "    source: {type: generator, count: 5, payload: '{\"page\":\"demo\",\"clickNumber\":{{seq}}}'}\n"
         "    sinks: [{type: stdout}]\n";
  return path;
}

struct LogLine {
  std::int64_t unix_ms;
  std::string level;  // as written: five columns, e.g. "INFO "
  std::string scope;
  std::string message;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return lines;
}

// Every line must parse: a line that does not is a test failure, naming it.
std::vector<LogLine> parse_log(const std::string& stderr_text) {
  static const std::regex line_format(
      R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z (TRACE|DEBUG|INFO |WARN |ERROR) \[([^\]]+)\] (.+)$)");
  std::vector<LogLine> out;
  for (const auto& line : lines_of(stderr_text)) {
    std::smatch m;
    if (!std::regex_match(line, m, line_format)) {
      ADD_FAILURE() << "a log line not in the documented format: '" << line << "'";
      continue;
    }
    std::tm utc{};
    utc.tm_year = std::stoi(m[1]) - 1900;
    utc.tm_mon = std::stoi(m[2]) - 1;
    utc.tm_mday = std::stoi(m[3]);
    utc.tm_hour = std::stoi(m[4]);
    utc.tm_min = std::stoi(m[5]);
    utc.tm_sec = std::stoi(m[6]);
    out.push_back({static_cast<std::int64_t>(timegm(&utc)) * 1000 + std::stoi(m[7]), m[8], m[9], m[10]});
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(LogFormat, EveryLineOfARunIsTimeLevelScopeAndMessageOnStderr) {
  const auto before = now_ms();
  std::string out, err;
  // The fixture folder adds WARN lines from the plugin loader (broken plugins are refused).
  ASSERT_EQ(run_to_end({kSluice, "--plugin-dir", SLUICE_TEST_FIXTURE_DIR, "run", demo_file()}, &out, &err), 0) << err;
  const auto after = now_ms();

  EXPECT_EQ(lines_of(out),
            (std::vector<std::string>{R"({"page":"demo","clickNumber":1})", R"({"page":"demo","clickNumber":2})",
                                      R"({"page":"demo","clickNumber":3})", R"({"page":"demo","clickNumber":4})",
                                      R"({"page":"demo","clickNumber":5})"}))
      << "stdout holds the events, no log line";
  const auto log = parse_log(err);
  ASSERT_FALSE(log.empty());
  std::int64_t previous = 0;
  for (const auto& l : log) {
    // UTC: a local-time stamp would be hours off on any machine not set to UTC.
    EXPECT_GE(l.unix_ms, before - 1000) << l.message;
    EXPECT_LE(l.unix_ms, after + 1000) << l.message;
    EXPECT_GE(l.unix_ms, previous) << "lines are written in order";
    previous = l.unix_ms;
    // A component's lines name its pipeline and itself; the engine's own lines name the engine.
    const bool component = l.scope.rfind("demo/", 0) == 0 && l.scope.size() > 5;
    EXPECT_TRUE(component || l.scope == "engine" || l.scope == "plugins") << "scope [" << l.scope << "]";
  }
  // The README's example line, exactly, after its time stamp.
  EXPECT_THAT(err, HasSubstr("Z INFO  [demo/source generator] made 5 events: 5 acknowledged, 0 failed\n"));
  EXPECT_TRUE(std::any_of(log.begin(), log.end(),
                          [](const LogLine& l) {
                            return l.level == "WARN " && l.scope == "plugins" &&
                                   l.message.rfind("plugin refused: ", 0) == 0;
                          }))
      << "the README's `WARN  [plugins] plugin refused: ...` line:\n"
      << err;
}

TEST(LogFormat, LogLevelWarnLeavesOutInfoLines) {
  std::string out, err;
  ASSERT_EQ(run_to_end({kSluice, "--log-level", "warn", "--plugin-dir", SLUICE_TEST_FIXTURE_DIR, "run", demo_file()},
                       &out, &err),
            0)
      << err;
  const auto log = parse_log(err);
  ASSERT_FALSE(log.empty()) << "the loader's WARN lines are still written";
  for (const auto& l : log) EXPECT_TRUE(l.level == "WARN " || l.level == "ERROR") << l.level << " " << l.message;
  EXPECT_THAT(err, ::testing::Not(HasSubstr("made 5 events")));
}

}  // namespace
}  // namespace sluice::test
