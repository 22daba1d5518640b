#include "kafka_sink.hpp"
#include "kafka_source.hpp"

SLUICE_PLUGIN("kafka", "Apache Kafka source and sink (librdkafka)") {
  using namespace sluice;
  manifest.add(source_component<kafka::KafkaSource>(
      "kafka", "Consumes topics in a consumer group; commits an offset only after its events were delivered.",
      kafka::kafka_source_options()));
  manifest.add(sink_component<kafka::KafkaSink>(
      "kafka", "Produces to a topic; an event is acknowledged by the broker's delivery report.",
      kafka::kafka_sink_options()));
}
