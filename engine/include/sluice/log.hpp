#pragma once
// A levelled logger: one line per message on stderr, naming the pipeline and component.
// Thread-safe; the level is process-wide and set once by the CLI (--log-level).
// Repeated lines are rate-limited (LogRateLimiter): a failure that repeats thousands of times a
// second (accept failing with "too many open files") writes a few lines and then one count.

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sluice/export.hpp"

namespace sluice {

enum class LogLevel { trace, debug, info, warn, error, off };

// "info" -> LogLevel::info; false when the name is unknown.
SLUICE_EXPORT bool parse_log_level(std::string_view name, LogLevel& out);

class SLUICE_EXPORT Logger {
 public:
  Logger() = default;
  explicit Logger(std::string scope) : scope_(std::move(scope)) {}

  static void set_level(LogLevel level);
  static LogLevel level();
  static bool enabled(LogLevel level) { return level >= Logger::level(); }
  // Writes the counts of lines suppressed so far (the CLI calls it before exiting).
  static void flush_suppressed();

  const std::string& scope() const { return scope_; }
  void write(LogLevel level, std::string_view message) const;

  // Arguments are streamed only when the level is enabled, so a disabled debug line costs a compare.
  template <class... Args>
  void trace(const Args&... a) const {
    emit(LogLevel::trace, a...);
  }
  template <class... Args>
  void debug(const Args&... a) const {
    emit(LogLevel::debug, a...);
  }
  template <class... Args>
  void info(const Args&... a) const {
    emit(LogLevel::info, a...);
  }
  template <class... Args>
  void warn(const Args&... a) const {
    emit(LogLevel::warn, a...);
  }
  template <class... Args>
  void error(const Args&... a) const {
    emit(LogLevel::error, a...);
  }

 private:
  template <class... Args>
  void emit(LogLevel level, const Args&... a) const {
    if (!enabled(level)) return;
    std::ostringstream line;
    (line << ... << a);
    write(level, line.str());
  }

  std::string scope_;
};

// Which log lines are written. Lines are "similar" when they have the same scope, level and text
// once every run of digits is read as one placeholder ("accept failed: fd 17" and "... fd 18"
// are similar; a client's address or a count does not make a flood look new). Of similar lines,
// the first `lines_per_window` in a window of `window` are written and the rest counted; the
// count is reported, with the first line's text, once its window is over: when a later line of
// any kind is logged, or at flush(). Memory is bounded: at most `max_keys` kinds of line are
// tracked (the one whose window started first is reported and forgotten to make room), each
// holding a sample of at most `max_sample` bytes. Not thread-safe: Logger calls it under its lock.
class SLUICE_EXPORT LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t lines_per_window = 20;
  static constexpr std::chrono::seconds window{5};
  static constexpr std::size_t max_keys = 512;
  static constexpr std::size_t max_sample = 200;

  struct Suppressed {
    std::string scope;
    LogLevel level;
    std::string sample;  // the first line of the kind, maybe cut
    std::uint64_t count;
    std::chrono::seconds over;  // how long the window lasted, rounded up
    // "<sample> (<count> similar lines suppressed in the last <over>s)"
    std::string line() const;
  };

  // True when the line should be written. `reports` gets the counts of windows now over, to be
  // written before the line.
  bool admit(std::string_view scope, LogLevel level, std::string_view message, Clock::time_point now,
             std::vector<Suppressed>& reports);
  // Every count not yet reported.
  void flush(Clock::time_point now, std::vector<Suppressed>& reports);
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point start;
    std::size_t written = 0;
    std::uint64_t suppressed = 0;
    std::string scope;
    LogLevel level;
    std::string sample;
  };
  void report(Entry& e, Clock::time_point now, std::vector<Suppressed>& reports);
  void sweep(Clock::time_point now, std::vector<Suppressed>& reports);

  std::unordered_map<std::uint64_t, Entry> entries_;
  Clock::time_point last_sweep_{};
};

}  // namespace sluice
