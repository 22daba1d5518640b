#include "websocket_sink.hpp"

SLUICE_PLUGIN("websocket", "WebSocket broadcast sink for live dashboards (Boost.Beast)") {
  auto sink = sluice::sink_component<sluice::websocket::WebSocketSink>(
      "websocket", "Broadcasts events to every connected WebSocket client, with snapshot and replay.",
      sluice::websocket::websocket_sink_options());
  sink.metrics = sluice::websocket::WsMetrics::specs();
  manifest.add(std::move(sink));
}
