#include "config/engine_settings.hpp"

namespace sluice::config {

const OptionTable& engine_settings_table() {
  static const OptionTable table = [] {
    OptionTable t;
    t.add("io_threads", OptionType::integer,
          "Threads running the I/O context that network plugins use, for each pipeline (each has its own, "
          "so a reload can stop one alone); 0 means one per CPU core. A reload cannot change it")
        .default_to("0")
        .at_least(0)
        .at_most(256)
        .example("2");
    t.add("shutdown_timeout", OptionType::duration,
          "On SIGINT/SIGTERM, how long sources, queues and sinks may take to drain and flush before "
          "the engine gives up, reports what was not delivered and exits 1")
        .default_to("30s")
        .at_least(0)
        .example("10s");
    t.add("metrics", OptionType::boolean,
          "Count events per component and serve them, with gauges and latency histograms, on the admin "
          "endpoint's /metrics; false keeps only the process and build metrics. Counting costs about 1% of "
          "the instructions per event (bench/results/2026-11-30-metrics-cost.md)")
        .default_to("true")
        .example("false");
    return t;
  }();
  return table;
}

const OptionTable& pipeline_settings_table() {
  static const OptionTable table = [] {
    OptionTable t;
    t.add("queue_capacity", OptionType::integer,
          "Events the pipeline holds between its source and its transforms; when it is full the source "
          "is pushed back: it waits, or refuses new events until there is room")
        .default_to("10000")
        .at_least(1)
        .example("50000");
    t.add("batch_max_events", OptionType::integer, "Most events handed to transforms and sinks in one batch")
        .default_to("1024")
        .at_least(1)
        .example("500");
    t.add("batch_max_wait", OptionType::duration,
          "How long a batch may wait to fill up; 0 sends whatever is queued at once, which keeps latency "
          "lowest while batches still grow under load")
        .default_to("0")
        .at_least(0)
        .example("5ms");
    t.add("sink_max_in_flight", OptionType::integer,
          "Batches each sink may hold unconfirmed; beyond it the pipeline waits, which pushes back to the source")
        .default_to("8")
        .at_least(1)
        .at_most(1024)
        .example("16");
    return t;
  }();
  return table;
}

const OptionTable& dead_letter_settings_table() {
  static const OptionTable table = [] {
    OptionTable t;
    t.add("include_refused_requests", OptionType::boolean,
          "Also dead-letter the rejected events of a source whose events are client requests (http); they are "
          "answered 400 either way, so by default they are not kept")
        .default_to("false");
    return t;
  }();
  return table;
}

const OptionTable& admin_settings_table() {
  static const OptionTable table = [] {
    OptionTable t;
    t.add("listen", OptionType::string,
          "Address (host:port) of the admin endpoint: GET /metrics (Prometheus), /health, /ready, /pipelines and "
          "POST /reload. Port 0 picks a free port and logs it; an empty value turns the endpoint off. An address "
          "set here must be free (else `run` stops at start); when the default is taken (a second `sluice run` on the "
          "host) a free port is used and logged. No authentication: keep it on a loopback or private address")
        .default_to("127.0.0.1:9600")
        .example("0.0.0.0:9600");
    return t;
  }();
  return table;
}

EngineSettings engine_settings_from(const Options& o) {
  EngineSettings s;
  s.io_threads = o.get_int("io_threads");
  s.shutdown_timeout = o.get_duration("shutdown_timeout");
  s.metrics = o.get_bool("metrics");
  return s;
}

PipelineSettings pipeline_settings_from(const Options& o) {
  return {o.get_int("queue_capacity"), o.get_int("batch_max_events"), o.get_duration("batch_max_wait"),
          o.get_int("sink_max_in_flight")};
}

}  // namespace sluice::config
