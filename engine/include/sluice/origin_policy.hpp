#pragma once
// The Origin check every browser-facing plugin makes. Browsers send Origin on cross-site POSTs
// and WebSocket upgrades, and some requests get no CORS preflight (a text/plain POST, which
// navigator.sendBeacon sends; every WebSocket upgrade), so the server itself must refuse foreign
// origins. A request without Origin is not from a web page (curl, a backend) and passes; a page
// served by the same host passes.

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class OriginPolicy {
 public:
  explicit OriginPolicy(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}

  // `host` is the request's Host header, for the same-origin case.
  bool allows(std::string_view origin, std::string_view host) const {
    if (origin.empty()) return true;
    for (const auto& a : allowed_) {
      if (a == "*" || a == origin) return true;
    }
    const std::string h(host);
    return origin == "http://" + h || origin == "https://" + h;
  }

 private:
  std::vector<std::string> allowed_;  // exact origins (scheme://host:port), or "*"
};

}  // namespace sluice
