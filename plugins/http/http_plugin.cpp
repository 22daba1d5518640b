#include "http_source.hpp"

SLUICE_PLUGIN("http", "HTTP source: the click tracker's API and pages (Boost.Beast)") {
  manifest.add(sluice::source_component<sluice::http::HttpSource>(
      "http", "Takes clicks over HTTP (POST /click, /clicks); answers once they are delivered.",
      sluice::http::http_source_options()));
}
