#pragma once
// Option groups that several components share, declared once so every component that uses one
// reads, checks and documents it the same way.

#include <string>

#include "sluice/export.hpp"
#include "sluice/options.hpp"

namespace sluice::option_groups {

// `brokers` (list, default 127.0.0.1:9092) and `properties` (extra librdkafka settings), for every
// component that talks to Kafka.
SLUICE_EXPORT void kafka_connection(OptionTable& table);

// `listen` (host:port), `max_connections`, `read_timeout`, `idle_timeout`, `allowed_hosts` (see
// HostPolicy), for components that accept network connections.
SLUICE_EXPORT void listener(OptionTable& table, const std::string& default_listen);

}  // namespace sluice::option_groups
