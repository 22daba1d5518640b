#include "http_sink.hpp"
#include "http_source.hpp"

SLUICE_PLUGIN("http", "HTTP source (routes declared in YAML) and sink (Boost.Beast)") {
  auto source = sluice::source_component<sluice::http::HttpSource>(
      "http",
      "Takes events over HTTP on the routes it declares, serves folders, redirects and a health check; answers once "
      "events are delivered.",
      sluice::http::http_source_options());
  source.metrics = sluice::http::HttpMetrics::specs();
  manifest.add(std::move(source));
  manifest.add(sluice::sink_component<sluice::http::HttpSink>(
      "http", "POSTs batches to a URL as NDJSON or a JSON array; an event is acknowledged by a 2xx answer.",
      sluice::http::http_sink_options()));
}
