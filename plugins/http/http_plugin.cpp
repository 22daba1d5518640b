#include "http_sink.hpp"
#include "http_source.hpp"

SLUICE_PLUGIN("http", "HTTP source (the click tracker's API and pages) and sink (Boost.Beast)") {
  manifest.add(sluice::source_component<sluice::http::HttpSource>(
      "http", "Takes clicks over HTTP (POST /click, /clicks); answers once they are delivered.",
      sluice::http::http_source_options()));
  manifest.add(sluice::sink_component<sluice::http::HttpSink>(
      "http", "POSTs batches to a URL as NDJSON or a JSON array; an event is acknowledged by a 2xx answer.",
      sluice::http::http_sink_options()));
}
