#include "sluice/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sluice {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_write_mutex;

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "TRACE";
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO ";
    case LogLevel::warn: return "WARN ";
    case LogLevel::error: return "ERROR";
    case LogLevel::off: break;
  }
  return "?    ";
}

}  // namespace

bool parse_log_level(std::string_view name, LogLevel& out) {
  static constexpr std::pair<std::string_view, LogLevel> names[] = {
      {"trace", LogLevel::trace}, {"debug", LogLevel::debug}, {"info", LogLevel::info},
      {"warn", LogLevel::warn},   {"error", LogLevel::error}, {"off", LogLevel::off}};
  for (const auto& [n, l] : names) {
    if (n == name) {
      out = l;
      return true;
    }
  }
  return false;
}

void Logger::set_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel Logger::level() { return g_level.load(std::memory_order_relaxed); }

void Logger::write(LogLevel level, std::string_view message) const {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);

  // One fprintf per line under a lock: lines from different threads never interleave.
  std::lock_guard lock(g_write_mutex);
  std::fprintf(stderr, "%s.%03dZ %s %s%s%s%.*s\n", stamp, static_cast<int>(millis), level_tag(level),
               scope_.empty() ? "" : "[", scope_.c_str(), scope_.empty() ? "" : "] ",
               static_cast<int>(message.size()), message.data());
}

}  // namespace sluice
