#include "topic_creator.hpp"

#include <memory>

namespace sluice::kafka {
namespace {

template <class T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};

bool retriable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

}  // namespace

TopicResult ensure_topic(rd_kafka_t* rk, const TopicSpec& spec, std::chrono::milliseconds timeout) {
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>> topic(
      rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication, errstr, sizeof errstr));
  if (!topic) return {TopicState::refused, errstr};
  std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int ms = static_cast<int>(timeout.count());
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr);
  std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>> queue(rd_kafka_queue_new(rk));

  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk, topics, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_t, rd_kafka_event_destroy>> event(
      rd_kafka_queue_poll(queue.get(), ms + 1000));
  if (!event) return {TopicState::retry, "no answer to CreateTopics"};
  if (const auto err = rd_kafka_event_error(event.get())) {
    const std::string why = rd_kafka_event_error_string(event.get());
    return {retriable(err) ? TopicState::retry : TopicState::refused, why};
  }
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  if (count != 1) return {TopicState::retry, "unexpected CreateTopics answer"};
  const auto err = rd_kafka_topic_result_error(results[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return {TopicState::ready, ""};
  const char* why = rd_kafka_topic_result_error_string(results[0]);
  return {retriable(err) ? TopicState::retry : TopicState::refused, why ? why : rd_kafka_err2str(err)};
}

}  // namespace sluice::kafka
