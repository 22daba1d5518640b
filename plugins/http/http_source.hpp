#pragma once
// `http` source: answers the routes its `routes` option declares (route_table.hpp): bodies posted
// to an events route become events; static folders, redirects and a health check. Bad input is answered and harms
// nothing: 400 with the reason (and the element, for a batch), 413 for a body over max_body, 405, 404, 403 for a
// foreign Origin, 503 with Retry-After when the pipeline is full or its sinks cannot deliver.

#include <memory>
#include <optional>

#include "net_support/listen.hpp"
#include "sluice/asio.hpp"

#include "http_shared.hpp"

namespace sluice::http {

OptionTable http_source_options();

class HttpSource final : public Source {
 public:
  // The check step: listen (parsed, and not taken by another component of the file),
  // allowed_hosts, trusted_proxies and routes (static folders included), with the same parsers the constructor uses.
  static void validate(const Options& options, ValidationContext& check);
  HttpSource(const Options& options, Context& context);
  ~HttpSource() override;

  void start(Emitter& out) override;
  void stop() override;
  // The port listened on (the one the OS chose for listen: host:0).
  unsigned short port() const { return acceptor_->local_endpoint().port(); }

 private:
  void do_accept();

  Context& context_;
  std::shared_ptr<HttpShared> shared_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<AcceptRetry> retry_;  // on the acceptor's strand
};

}  // namespace sluice::http
