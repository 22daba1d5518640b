#pragma once
// The librdkafka properties a kafka source or sink sets from its options, listed once so that the
// constructor (on the real configuration) and the check step (on a throwaway one) set the same
// properties in the same order, and a refusal names the same option in `validate` and `run`.

#include <string>
#include <vector>

#include "rdkafka_config.hpp"
#include "sluice/sdk.hpp"

namespace sluice::kafka {

struct Property {
  std::string name;  // librdkafka's name, e.g. "acks"
  std::string value;
  std::string option;  // the component option a refusal is reported at
};

// Beyond `brokers` (bootstrap.servers) and `properties`, which Config sets for both.
std::vector<Property> consumer_properties(const Options& o);
std::vector<Property> producer_properties(const Options& o);

// Sets them on `conf` (the constructors' path); throws ConfigError at the first refusal.
void set_all(Config& conf, const std::vector<Property>& properties);

// The check step shared by the source and the sink: `brokers`, `own` and `properties` are set, in
// that order, on a throwaway rd_kafka_conf_t. rd_kafka_conf_set only parses: no client, no
// thread, no connection. Every refusal is reported at its option. Returns the conf so the caller
// can check combinations librdkafka refuses only when a client is made (rd_kafka_new).
ConfPtr check_properties(const Options& o, const std::vector<Property>& own, ValidationContext& check);

}  // namespace sluice::kafka
