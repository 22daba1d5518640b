#pragma once
// How a component reaches a Kafka cluster, declared once for every component that talks to Kafka
// (the kafka source and sink, the aggregate transform's rebuild), so a cluster that needs TLS or
// SASL `properties` is reached the same way by all of them. Plugin-side code (plugins/common,
// library sluice_kafka_support), not part of the SDK.

#include <librdkafka/rdkafka.h>

#include <string>

#include "sluice/options.hpp"
#include "sluice/validation.hpp"

namespace sluice::option_groups {

// `<prefix>brokers` (list, default 127.0.0.1:9092) and `<prefix>properties` (extra librdkafka
// settings, applied after everything the component sets itself, so they can override it). The
// kafka source and sink use no prefix; the aggregate uses "rebuild_" (rebuild_brokers,
// rebuild_properties), beside its rebuild_topic.
void kafka_connection(OptionTable& table, const std::string& prefix = "");

}  // namespace sluice::option_groups

namespace sluice::kafka_support {

// The group's values, read from a component's options.
struct KafkaConnection {
  std::string bootstrap_servers;  // the brokers joined with ','
  StringMap properties;
  std::string brokers_option;  // the option names a refusal is reported at
  std::string properties_option;

  static KafkaConnection from(const Options& options, const std::string& prefix = "");

  // Sets bootstrap.servers on `conf`; throws ConfigError at brokers_option when refused.
  void set_brokers(rd_kafka_conf_t* conf) const;
  // Sets every property on `conf`; throws ConfigError at properties_option, naming the property,
  // at the first refusal. Call it last: the user's settings win over the component's own.
  void set_properties(rd_kafka_conf_t* conf) const;

  // The check step's part (sluice validate): brokers and properties set on a throwaway conf, every
  // refusal reported at its option. rd_kafka_conf_set only parses: nothing connects.
  void check(ValidationContext& check) const;
};

// rd_kafka_conf_set: "" when taken, otherwise "librdkafka refuses NAME=VALUE: WHY".
std::string set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

}  // namespace sluice::kafka_support
