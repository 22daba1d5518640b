// Repeated log lines are rate-limited and counted, with bounded memory.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sluice/log.hpp"

namespace sluice {
namespace {

using Clock = LogRateLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(LogRateLimiter, AFloodOfSimilarLinesWritesAFewThenReportsTheCount) {
  LogRateLimiter limiter;
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t0 = Clock::time_point{} + seconds(100);
  std::size_t written = 0;
  for (int i = 0; i < 10000; ++i) {
    // Numbers differ from line to line; the lines are still similar.
    if (limiter.admit("p/source http", LogLevel::warn, "accept failed: fd " + std::to_string(i),
                      t0 + milliseconds(i / 10), reports)) {
      ++written;
    }
  }
  EXPECT_EQ(written, LogRateLimiter::lines_per_window);
  EXPECT_TRUE(reports.empty()) << "the window is not over yet";

  // The next line after the window says how many were suppressed, then is itself written.
  EXPECT_TRUE(limiter.admit("p/source http", LogLevel::warn, "accept failed: fd 1", t0 + seconds(6), reports));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].count, 10000u - LogRateLimiter::lines_per_window);
  EXPECT_EQ(reports[0].scope, "p/source http");
  EXPECT_EQ(reports[0].level, LogLevel::warn);
  EXPECT_EQ(reports[0].line(), "accept failed: fd 0 (9980 similar lines suppressed in the last 6s)");
}

TEST(LogRateLimiter, ScopeLevelAndTextMakeLinesDifferent) {
  LogRateLimiter limiter;
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t = Clock::time_point{} + seconds(100);
  for (std::size_t i = 0; i < LogRateLimiter::lines_per_window; ++i) {
    ASSERT_TRUE(limiter.admit("a", LogLevel::warn, "x", t, reports));
  }
  EXPECT_FALSE(limiter.admit("a", LogLevel::warn, "x", t, reports));
  EXPECT_TRUE(limiter.admit("b", LogLevel::warn, "x", t, reports)) << "another scope";
  EXPECT_TRUE(limiter.admit("a", LogLevel::error, "x", t, reports)) << "another level";
  EXPECT_TRUE(limiter.admit("a", LogLevel::warn, "y", t, reports)) << "another text";
}

TEST(LogRateLimiter, ACountIsReportedByAnyLaterLineOrAtFlush) {
  LogRateLimiter limiter;
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t = Clock::time_point{} + seconds(100);
  for (int i = 0; i < 50; ++i) limiter.admit("a", LogLevel::info, "same", t, reports);
  EXPECT_TRUE(limiter.admit("a", LogLevel::info, "other", t + seconds(7), reports));
  ASSERT_EQ(reports.size(), 1u) << "a line of another kind reports the count of a window that is over";
  EXPECT_EQ(reports[0].count, 30u);
  EXPECT_EQ(reports[0].sample, "same");

  reports.clear();
  for (int i = 0; i < 25; ++i) limiter.admit("a", LogLevel::info, "again", t + seconds(8), reports);
  limiter.flush(t + seconds(9), reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].count, 5u);
  reports.clear();
  limiter.flush(t + seconds(9), reports);
  EXPECT_TRUE(reports.empty()) << "a count is reported once";
}

TEST(LogRateLimiter, MemoryIsBoundedWhateverTheLines) {
  LogRateLimiter limiter;
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t = Clock::time_point{} + seconds(100);
  const std::string long_text(10000, 'x');
  for (int i = 0; i < 5000; ++i) {
    // Distinct texts (letters, not digits), all in one window.
    std::string text = long_text;
    for (int n = i, k = 0; n > 0; n /= 26, ++k) text[k] = static_cast<char>('a' + n % 26);
    limiter.admit("a", LogLevel::info, text, t, reports);
    ASSERT_LE(limiter.tracked(), LogRateLimiter::max_keys);
  }
  for (const auto& r : reports) EXPECT_LE(r.sample.size(), LogRateLimiter::max_sample);
}

TEST(Logger, RepeatedLinesOnStderrAreSuppressed) {
  const Logger log("log_test");
  testing::internal::CaptureStderr();
  for (int i = 0; i < 1000; ++i) log.warn("the same failure, number ", i);
  Logger::flush_suppressed();
  const std::string out = testing::internal::GetCapturedStderr();
  const auto lines = std::count(out.begin(), out.end(), '\n');
  EXPECT_EQ(lines, static_cast<long>(LogRateLimiter::lines_per_window) + 1) << out;
  EXPECT_THAT(out,
              testing::HasSubstr("[log_test] the same failure, number 0 (980 similar lines suppressed in the last"));
}

}  // namespace
}  // namespace sluice
