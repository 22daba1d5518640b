#pragma once
// The `http` sink's `url` option, parsed once: where to connect and what to put in the request
// line and Host header. Only `http://` is supported: this build has no TLS client, so an `https://`
// URL is refused with a message that says so (and what to do instead) rather than sent in clear.

#include <string>

namespace sluice::http {

struct SinkUrl {
  std::string host;         // a name or an address; an IPv6 address without its brackets
  std::string port;         // "80" when the URL gives none
  std::string target;       // path and query, "/" when the URL gives none
  std::string host_header;  // as sent in Host: the URL's authority (brackets kept, ":80" left out)
  std::string text;         // the URL as given, for messages

  // "http://host:port/path?query". Throws ConfigError (option "url") saying what is wrong.
  static SinkUrl parse(const std::string& url);
};

}  // namespace sluice::http
