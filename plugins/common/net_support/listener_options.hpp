#pragma once
// The `listener` option group of the components that accept network connections (the http
// source, the websocket sink): declared once so each reads, checks and documents it the same way.
// Plugin-side code (plugins/common, library sluice_net_support), not part of the SDK.

#include <string>

#include "sluice/options.hpp"

namespace sluice::option_groups {

// `listen` (host:port), `max_connections`, `read_timeout`, `idle_timeout`, `allowed_hosts` (see
// HostPolicy in net_support/origin_policy.hpp).
void listener(OptionTable& table, const std::string& default_listen);

}  // namespace sluice::option_groups
