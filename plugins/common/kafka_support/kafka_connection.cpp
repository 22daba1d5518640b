#include "kafka_support/kafka_connection.hpp"

#include <memory>

#include "sluice/errors.hpp"

namespace sluice::option_groups {

void kafka_connection(OptionTable& t, const std::string& prefix) {
  t.add(prefix + "brokers", OptionType::string_list, "Kafka bootstrap servers, host:port")
      .default_to("127.0.0.1:9092")
      .example("[kafka-1:9092, kafka-2:9092]");
  t.add(prefix + "properties", OptionType::string_map,
        "Extra librdkafka properties, applied after the options above (see librdkafka's CONFIGURATION.md)")
      .default_to("")
      .example("{ client.id: sluice, statistics.interval.ms: '0' }");
}

}  // namespace sluice::option_groups

namespace sluice::kafka_support {

std::string set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK) return "";
  return "librdkafka refuses " + name + "=" + value + ": " + errstr;
}

KafkaConnection KafkaConnection::from(const Options& o, const std::string& prefix) {
  KafkaConnection c;
  c.brokers_option = prefix + "brokers";
  c.properties_option = prefix + "properties";
  for (const auto& b : o.get_list(c.brokers_option))
    c.bootstrap_servers += (c.bootstrap_servers.empty() ? "" : ",") + b;
  c.properties = o.get_map(c.properties_option);
  return c;
}

void KafkaConnection::set_brokers(rd_kafka_conf_t* conf) const {
  if (auto refused = set_property(conf, "bootstrap.servers", bootstrap_servers); !refused.empty()) {
    throw ConfigError(brokers_option, refused);
  }
}

void KafkaConnection::set_properties(rd_kafka_conf_t* conf) const {
  for (const auto& [name, value] : properties) {
    if (auto refused = set_property(conf, name, value); !refused.empty()) throw ConfigError(properties_option, refused);
  }
}

void KafkaConnection::check(ValidationContext& check) const {
  const std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  // Without a log callback, librdkafka prints a refused property's warning to stderr itself.
  rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int, const char*, const char*) {});
  if (auto refused = set_property(conf.get(), "bootstrap.servers", bootstrap_servers); !refused.empty()) {
    check.error(brokers_option, refused);
  }
  for (const auto& [name, value] : properties) {
    if (auto refused = set_property(conf.get(), name, value); !refused.empty()) check.error(properties_option, refused);
  }
}

}  // namespace sluice::kafka_support
