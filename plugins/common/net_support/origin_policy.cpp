#include "net_support/origin_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "sluice/errors.hpp"

namespace sluice {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct HostPort {
  std::string name;  // lowercase, no trailing dot; an IPv6 address in brackets, canonical
  std::string port;  // digits, or empty
  bool ip = false;
};

// The canonical text of an IP address ("[::1]" for IPv6), or nullopt if `s` is not one.
std::optional<std::string> canonical_ip(const std::string& s, bool bracketed) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (!bracketed && inet_pton(AF_INET, s.c_str(), buf) == 1 && inet_ntop(AF_INET, buf, text, sizeof text)) {
    return std::string(text);
  }
  if (bracketed && inet_pton(AF_INET6, s.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, text, sizeof text)) {
    return "[" + std::string(text) + "]";
  }
  return std::nullopt;
}

// RFC 9110's Host: uri-host [":" port], the host a reg-name, an IPv4 address or "[IPv6]".
std::optional<HostPort> parse_host(std::string_view in) {
  HostPort out;
  std::string_view rest;
  if (!in.empty() && in.front() == '[') {
    const auto close = in.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto ip = canonical_ip(std::string(in.substr(1, close - 1)), true);
    if (!ip) return std::nullopt;
    out.name = *ip;
    out.ip = true;
    rest = in.substr(close + 1);
  } else {
    const auto colon = in.find(':');
    out.name = lower(in.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : in.substr(colon);
    if (!out.name.empty() && out.name.back() == '.') out.name.pop_back();
    if (out.name.empty()) return std::nullopt;
    for (const char c : out.name) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
      if (!ok) return std::nullopt;
    }
    if (auto ip = canonical_ip(out.name, false)) {
      out.name = *ip;
      out.ip = true;
    }
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    rest.remove_prefix(1);
    if (rest.empty() || rest.size() > 5) return std::nullopt;
    if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    out.port = std::string(rest);
  }
  return out;
}

}  // namespace

HostPolicy::HostPolicy(std::string_view listen, const std::vector<std::string>& allowed) {
  std::string host(listen.substr(0, std::min(listen.rfind(':'), listen.size())));
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  if (const auto parsed = parse_host(host); parsed && parsed->ip) {
    listen_ip_ = parsed->name;
    any_ip_ = listen_ip_ == "0.0.0.0" || listen_ip_ == "[::]";
  }
  for (const auto& a : allowed) {
    if (a == "*") {
      any_ = true;
      continue;
    }
    const auto parsed = parse_host(a);
    if (!parsed || a.find('/') != std::string::npos) {
      throw ConfigError("allowed_hosts", "'" + a +
                                             "' is not a host name: expected a name such as clicks.example.com "
                                             "or clicks.example.com:443 (no scheme, no path), or \"*\"");
    }
    allowed_.push_back({parsed->name, parsed->port});
  }
}

bool HostPolicy::allows(std::string_view host) const {
  if (any_ || host.empty()) return true;
  const auto h = parse_host(host);
  if (!h) return false;
  if (h->name == "localhost" || h->name == "127.0.0.1" || h->name == "[::1]") return true;
  if (h->ip && (any_ip_ || h->name == listen_ip_)) return true;
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [&](const Entry& e) { return e.name == h->name && (e.port.empty() || e.port == h->port); });
}

bool OriginPolicy::allows(std::string_view origin, std::string_view host) const {
  if (origin.empty()) return true;
  for (const auto& a : allowed_) {
    if (a == "*" || a == origin) return true;
  }
  if (host.empty()) return false;
  const std::string o = lower(origin);
  const std::string h = lower(host);
  return o == "http://" + h || o == "https://" + h;
}

}  // namespace sluice
