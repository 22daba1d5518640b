#pragma once
// Opening the listening socket of a network plugin from its `listen` option (the listener option
// group): one parser and one set of error messages for every plugin that accepts connections.

#include <memory>
#include <string>

#include "sluice/asio.hpp"
#include "sluice/errors.hpp"

namespace sluice {

// "host:port" with an IP address or localhost; a refusal is a ConfigError at `listen`.
inline boost::asio::ip::tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  if (host == "localhost" || host.empty()) host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (ec || port < 0 || port > 65535) {
    throw ConfigError("listen", "expected host:port with an IP address (or localhost), got '" + listen + "'");
  }
  return {address, static_cast<unsigned short>(port)};
}

// Bound and listening on a strand of `io`. Bound when the component is made, so a port in use is
// reported with the `listen` option before anything runs.
inline std::unique_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& io,
                                                                      const std::string& listen) {
  namespace net = boost::asio;
  const auto endpoint = parse_listen(listen);
  auto acceptor = std::make_unique<net::ip::tcp::acceptor>(net::make_strand(io));
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw ConfigError("listen", "cannot listen on " + listen + ": " + ec.message());
  return acceptor;
}

}  // namespace sluice
