#include "kafka_properties.hpp"

namespace sluice::kafka {

std::vector<Property> consumer_properties(const Options& o) {
  return {
      {"group.id", o.get_string("group"), "group"},
      {"auto.offset.reset", o.get_string("start"), "start"},
      // At least once: librdkafka commits in the background, but only offsets we stored, and we
      // store an offset only once every event before it was acknowledged.
      {"enable.auto.commit", "true", "commit_interval"},
      {"enable.auto.offset.store", "false", "commit_interval"},
      {"auto.commit.interval.ms", ms(o.get_duration("commit_interval")), "commit_interval"},
      // Bounded prefetch: while the pipeline pushes back, librdkafka holds at most this much.
      {"queued.max.messages.kbytes", "16384", "properties"},
  };
}

std::vector<Property> producer_properties(const Options& o) {
  return {
      {"acks", o.get_string("acks"), "acks"},
      {"enable.idempotence", o.get_bool("idempotence") ? "true" : "false", "idempotence"},
      {"compression.type", o.get_string("compression"), "compression"},
      {"linger.ms", ms(o.get_duration("linger_ms")), "linger_ms"},
      {"batch.size", std::to_string(o.get_int("batch_size")), "batch_size"},
      {"message.timeout.ms", ms(o.get_duration("message_timeout")), "message_timeout"},
  };
}

void set_all(Config& conf, const std::vector<Property>& properties) {
  for (const auto& p : properties) conf.set(p.name, p.value, p.option);
}

ConfPtr check_properties(const Options& o, const std::vector<Property>& own, ValidationContext& check) {
  ConfPtr conf(rd_kafka_conf_new());
  // Without a log callback, librdkafka prints a refused property's warning to stderr itself.
  rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int, const char*, const char*) {});
  const auto set = [&](const std::string& name, const std::string& value, const std::string& option) {
    char errstr[512];
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      check.error(option, "librdkafka refuses " + name + "=" + value + ": " + errstr);
    }
  };
  std::string brokers;
  for (const auto& b : o.get_list("brokers")) brokers += (brokers.empty() ? "" : ",") + b;
  set("bootstrap.servers", brokers, "brokers");
  for (const auto& p : own) set(p.name, p.value, p.option);
  for (const auto& [name, value] : o.get_map("properties")) set(name, value, "properties");
  return conf;
}

}  // namespace sluice::kafka
