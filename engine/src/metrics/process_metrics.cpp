#include "metrics/process_metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/engine_metrics.hpp"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

namespace sluice::metrics {

namespace {

// The fields of /proc/self/stat after the command name (which may hold spaces and parentheses:
// it ends at the last ')'). fields[0] is field 3 of proc(5), `state`.
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// Field n of proc(5) (1-based), as a number; -1 when absent.
double stat_field(const std::vector<std::string>& fields, std::size_t n) {
  if (n < 3 || n - 3 >= fields.size()) return -1;
  try {
    return std::stod(fields[n - 3]);
  } catch (const std::exception&) {
    return -1;
  }
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = -1;
      in >> t;
      return t;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace

void collect_process_metrics(Exposition& out) {
  const auto fields = stat_fields();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double utime = stat_field(fields, 14), stime = stat_field(fields, 15);
  const double start = stat_field(fields, 22), rss = stat_field(fields, 24);
  if (rss >= 0 && page > 0) add(out, EngineMetric::process_resident_memory_bytes, {}, rss * page);
  if (utime >= 0 && stime >= 0 && ticks > 0) {
    add(out, EngineMetric::process_cpu_seconds_total, {}, (utime + stime) / ticks);
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  // The iterator's own descriptor is counted too, as client_golang and client_python count theirs.
  if (!ec) add(out, EngineMetric::process_open_fds, {}, static_cast<double>(fds));
  const double boot = boot_time_seconds();
  if (start >= 0 && boot >= 0 && ticks > 0)
    add(out, EngineMetric::process_start_time_seconds, {}, boot + start / ticks);
}

void collect_build_info(Exposition& out) { add(out, EngineMetric::build_info, {{"version", SLUICE_VERSION}}, 1); }

}  // namespace sluice::metrics
