#pragma once
// A levelled logger: one line per message on stderr, naming the pipeline and component.
// Thread-safe; the level is process-wide and set once by the CLI (--log-level).

#include <sstream>
#include <string>
#include <string_view>

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

  const std::string& scope() const { return scope_; }
  void write(LogLevel level, std::string_view message) const;

  // Arguments are streamed only when the level is enabled, so a disabled debug line costs a compare.
  template <class... Args> void trace(const Args&... a) const { emit(LogLevel::trace, a...); }
  template <class... Args> void debug(const Args&... a) const { emit(LogLevel::debug, a...); }
  template <class... Args> void info(const Args&... a) const { emit(LogLevel::info, a...); }
  template <class... Args> void warn(const Args&... a) const { emit(LogLevel::warn, a...); }
  template <class... Args> void error(const Args&... a) const { emit(LogLevel::error, a...); }

 private:
  template <class... Args> void emit(LogLevel level, const Args&... a) const {
    if (!enabled(level)) return;
    std::ostringstream line;
    (line << ... << a);
    write(level, line.str());
  }

  std::string scope_;
};

}  // namespace sluice
