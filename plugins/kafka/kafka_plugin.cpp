#include "kafka_sink.hpp"
#include "kafka_source.hpp"

SLUICE_PLUGIN("kafka", "Apache Kafka source and sink (librdkafka)") {
  using namespace sluice;
  auto source = source_component<kafka::KafkaSource>(
      "kafka", "Consumes topics in a consumer group; commits an offset only after its events were delivered.",
      kafka::kafka_source_options());
  source.metrics = kafka::kafka_source_metrics();
  manifest.add(std::move(source));
  auto sink = sink_component<kafka::KafkaSink>(
      "kafka", "Produces to a topic; an event is acknowledged by the broker's delivery report.",
      kafka::kafka_sink_options());
  sink.metrics = kafka::kafka_sink_metrics();
  manifest.add(std::move(sink));
}
