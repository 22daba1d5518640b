#include "sluice/option_groups.hpp"

namespace sluice::option_groups {

void kafka_connection(OptionTable& t) {
  t.add("brokers", OptionType::string_list, "Kafka bootstrap servers, host:port")
      .default_to("127.0.0.1:9092").example("[kafka-1:9092, kafka-2:9092]");
  t.add("properties", OptionType::string_map,
        "Extra librdkafka properties, applied after the options above (see librdkafka's CONFIGURATION.md)")
      .default_to("").example("{ client.id: sluice, statistics.interval.ms: '0' }");
}

}  // namespace sluice::option_groups
