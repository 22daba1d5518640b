#pragma once
// `websocket` sink: broadcasts every event to every connected dashboard, several events per frame
// under load. A batch is confirmed once it is in the broadcast buffer: clients come and go, and a
// slow one must never hold the pipeline back.

#include <memory>
#include <optional>

#include "net_support/listen.hpp"
#include "sluice/asio.hpp"

#include "ws_session.hpp"

namespace sluice::websocket {

OptionTable websocket_sink_options();

class WebSocketSink final : public Sink {
 public:
  // The check step: listen (parsed, and not taken by another component of the file),
  // allowed_hosts, and max_client_bytes against max_frame_bytes.
  static void validate(const Options& options, ValidationContext& check);
  WebSocketSink(const Options& options, Context& context);
  ~WebSocketSink() override;

  void start() override;
  void write(std::shared_ptr<const Batch> batch, Delivery done) override;

  // For tests: where it listens (with port 0, the port chosen), and the hub and accounting.
  tcp::endpoint local_endpoint() const { return acceptor_->local_endpoint(); }
  WsShared& shared() { return *shared_; }

 private:
  void do_accept();

  Context& context_;
  std::shared_ptr<WsShared> shared_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::optional<AcceptRetry> retry_;  // the wait after a failed accept (10 ms doubling to 1 s)
};

}  // namespace sluice::websocket
