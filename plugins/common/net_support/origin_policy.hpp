#pragma once
// The Host and Origin checks every browser-facing plugin makes.
//
// Host (DNS rebinding): a page on evil.example can make its own name resolve to 127.0.0.1 and
// then talk to this server as "same origin"; the only trace is its Host header, which still says
// evil.example. So a request is answered only when Host names this server: its listen address,
// a localhost name, or an `allowed_hosts` entry. Check Host first (answer others 421), then Origin.
//
// Origin: browsers send Origin on cross-site POSTs and WebSocket upgrades, and some requests get
// no CORS preflight (a text/plain POST, which navigator.sendBeacon sends; every WebSocket
// upgrade), so the server itself must refuse foreign origins. A request without Origin is not
// from a web page (curl, a backend) and passes; a page served by this server passes: its Origin
// is scheme://Host, and Host has passed HostPolicy.
//
// Plugin-side code (plugins/common, library sluice_net_support), not part of the SDK.

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class HostPolicy {
 public:
  // `listen` is the listener's `listen` option (host:port), `allowed` its `allowed_hosts` option:
  // "name" (any port), "name:port" (that port only), an IP address, or "*" (any Host: no
  // defence). A malformed entry is a ConfigError at `allowed_hosts`.
  HostPolicy(std::string_view listen, const std::vector<std::string>& allowed);

  // `host` is the request's Host header. Allowed: no Host at all (not a browser: browsers always
  // send one); localhost, 127.0.0.1 or [::1], any port; the listen address, any port (a port may
  // be forwarded); when listening on 0.0.0.0 or [::], any IP address, because a DNS-rebinding
  // page is named, never an IP literal, and the address clients use cannot be known; a listed
  // name. Names are compared without case and without a trailing dot.
  bool allows(std::string_view host) const;

 private:
  struct Entry {
    std::string name;  // lowercase; an IPv6 address in brackets
    std::string port;  // empty: any
  };
  bool any_ = false;
  bool any_ip_ = false;    // listening on every interface
  std::string listen_ip_;  // canonical text, IPv6 in brackets
  std::vector<Entry> allowed_;
};

class OriginPolicy {
 public:
  explicit OriginPolicy(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}

  // `host` is the request's Host header, already accepted by HostPolicy, for the same-origin case
  // (compared without case: browsers send both lowercased, other clients may not).
  bool allows(std::string_view origin, std::string_view host) const;

 private:
  std::vector<std::string> allowed_;  // exact origins (scheme://host:port), or "*"
};

}  // namespace sluice
