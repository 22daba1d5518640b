#include "sluice/log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sluice {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_write_mutex;
LogRateLimiter g_limiter;  // guarded by g_write_mutex

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "TRACE";
    case LogLevel::debug:
      return "DEBUG";
    case LogLevel::info:
      return "INFO ";
    case LogLevel::warn:
      return "WARN ";
    case LogLevel::error:
      return "ERROR";
    case LogLevel::off:
      break;
  }
  return "?    ";
}

// The text a line is known by: digit runs collapsed, so numbers do not make lines differ.
std::uint64_t line_key(std::string_view scope, LogLevel level, std::string_view message) {
  std::string key(scope);
  key += '\0';
  key += static_cast<char>('0' + static_cast<int>(level));
  key += '\0';
  bool in_digits = false;
  for (const char c : message) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit)
      key += c;
    else if (!in_digits)
      key += '#';
    in_digits = digit;
  }
  return std::hash<std::string>{}(key);
}

void print(LogLevel level, std::string_view scope, std::string_view message) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::fprintf(stderr, "%s.%03dZ %s %s%.*s%s%.*s\n", stamp, static_cast<int>(millis), level_tag(level),
               scope.empty() ? "" : "[", static_cast<int>(scope.size()), scope.data(), scope.empty() ? "" : "] ",
               static_cast<int>(message.size()), message.data());
}

}  // namespace

std::string LogRateLimiter::Suppressed::line() const {
  return sample + " (" + std::to_string(count) + " similar line" + (count == 1 ? "" : "s") +
         " suppressed in the last " + std::to_string(over.count()) + "s)";
}

void LogRateLimiter::report(Entry& e, Clock::time_point now, std::vector<Suppressed>& reports) {
  if (e.suppressed == 0) return;
  const auto over = std::chrono::ceil<std::chrono::seconds>(now - e.start);
  reports.push_back({e.scope, e.level, e.sample, e.suppressed, std::max(over, std::chrono::seconds{1})});
  e.suppressed = 0;
}

// Reports and forgets every kind of line whose window is over; at most once a second, so a
// flood of lines does not scan the table on every line.
void LogRateLimiter::sweep(Clock::time_point now, std::vector<Suppressed>& reports) {
  if (now - last_sweep_ < std::chrono::seconds{1}) return;
  last_sweep_ = now;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.start >= window) {
      report(it->second, now, reports);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

bool LogRateLimiter::admit(std::string_view scope, LogLevel level, std::string_view message, Clock::time_point now,
                           std::vector<Suppressed>& reports) {
  sweep(now, reports);
  const auto key = line_key(scope, level, message);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys) {
      auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                     [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
      report(oldest->second, now, reports);
      entries_.erase(oldest);
    }
    Entry e;
    e.start = now;
    e.scope = std::string(scope);
    e.level = level;
    e.sample = std::string(message.substr(0, max_sample));
    it = entries_.emplace(key, std::move(e)).first;
  } else if (now - it->second.start >= window) {
    report(it->second, now, reports);
    it->second.start = now;
    it->second.written = 0;
  }
  Entry& e = it->second;
  if (e.written < lines_per_window) {
    ++e.written;
    return true;
  }
  ++e.suppressed;
  return false;
}

void LogRateLimiter::flush(Clock::time_point now, std::vector<Suppressed>& reports) {
  for (auto& [key, e] : entries_) report(e, now, reports);
}

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
  std::vector<LogRateLimiter::Suppressed> reports;
  // One fprintf per line under a lock: lines from different threads never interleave.
  std::lock_guard lock(g_write_mutex);
  const bool admitted = g_limiter.admit(scope_, level, message, LogRateLimiter::Clock::now(), reports);
  for (const auto& r : reports) print(r.level, r.scope, r.line());
  if (admitted) print(level, scope_, message);
}

void Logger::flush_suppressed() {
  std::vector<LogRateLimiter::Suppressed> reports;
  std::lock_guard lock(g_write_mutex);
  g_limiter.flush(LogRateLimiter::Clock::now(), reports);
  for (const auto& r : reports) print(r.level, r.scope, r.line());
}

}  // namespace sluice
