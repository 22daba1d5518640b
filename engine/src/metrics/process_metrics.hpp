#pragma once
// Collectors every registry has: the process_* metrics Prometheus's client libraries export
// (read from /proc/self at render time) and sluice_build_info{version}.

#include "metrics/exposition.hpp"

namespace sluice::metrics {

// process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds,
// process_start_time_seconds. A value /proc does not give (not Linux) is left out.
void collect_process_metrics(Exposition& out);
// sluice_build_info{version} 1.
void collect_build_info(Exposition& out);

}  // namespace sluice::metrics
