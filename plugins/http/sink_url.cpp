#include "sink_url.hpp"

#include <algorithm>
#include <cctype>

#include "sluice/errors.hpp"

namespace sluice::http {

namespace {

[[noreturn]] void refuse(const std::string& url, const std::string& why) {
  throw ConfigError("url", "'" + url + "' " + why);
}

bool starts_with_ci(const std::string& text, const std::string& prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char p, char t) { return std::tolower(static_cast<unsigned char>(t)) == p; });
}

// Bytes a request line or a Host header must never carry (they would end it early).
bool has_control_or_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

}  // namespace

SinkUrl SinkUrl::parse(const std::string& url) {
  if (starts_with_ci(url, "https://")) {
    refuse(url,
           "is https, which the http sink does not support (this build has no TLS client); "
           "send to an http:// URL, e.g. a local TLS-terminating proxy in front of the server");
  }
  if (!starts_with_ci(url, "http://")) {
    refuse(url, "must start with http:// (e.g. http://collector:8080/events)");
  }
  if (has_control_or_space(url)) refuse(url, "contains a space or a control character; percent-encode it");
  SinkUrl u;
  u.text = url;
  std::string rest = url.substr(7);
  if (const auto hash = rest.find('#'); hash != std::string::npos)
    refuse(url, "has a #fragment, which HTTP never sends");
  const auto path_start = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_start);
  u.target = path_start == std::string::npos ? "/" : rest.substr(path_start);
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string::npos) {
    refuse(url,
           "carries credentials (user@host), which would be logged with the URL; "
           "set an Authorization header in `headers` instead");
  }
  if (authority.empty()) refuse(url, "names no host (expected http://host[:port]/path)");
  std::string port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) refuse(url, "has an IPv6 address without its closing ]");
    u.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') refuse(url, "has text after the IPv6 address that is not :port");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) refuse(url, "names no host (expected http://host[:port]/path)");
  if (port_text.empty()) {
    if (authority.back() == ':') refuse(url, "has an empty port");
    u.port = "80";
    u.host_header = authority;
  } else {
    const bool digits = std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || port_text.size() > 5 || std::stoi(port_text) < 1 || std::stoi(port_text) > 65535) {
      refuse(url, "has port '" + port_text + "'; expected a number from 1 to 65535");
    }
    u.port = std::to_string(std::stoi(port_text));
    u.host_header = u.port == "80" ? authority.substr(0, authority.size() - port_text.size() - 1) : authority;
  }
  return u;
}

}  // namespace sluice::http
