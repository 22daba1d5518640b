#include "topic_creator.hpp"

#include <memory>
#include <string>

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

namespace {

using EventPtr = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_t, rd_kafka_event_destroy>>;

// Sends the request; its answer arrives on `answers`. A spec librdkafka refuses outright is answered here.
std::optional<TopicResult> send(rd_kafka_t* rk, const TopicSpec& spec, std::chrono::milliseconds timeout,
                                rd_kafka_queue_t* answers) {
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>> topic(
      rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication, errstr, sizeof errstr));
  if (!topic) return TopicResult{TopicState::refused, errstr};
  if (spec.min_insync_replicas) {
    const std::string value = std::to_string(*spec.min_insync_replicas);
    if (const auto err = rd_kafka_NewTopic_set_config(topic.get(), "min.insync.replicas", value.c_str()))
      return TopicResult{TopicState::refused, std::string("min.insync.replicas: ") + rd_kafka_err2str(err)};
  }
  std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int ms = static_cast<int>(timeout.count());
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr);
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk, topics, 1, options.get(), answers);
  return std::nullopt;
}

TopicResult read_answer(rd_kafka_event_t* event) {
  if (const auto err = rd_kafka_event_error(event)) {
    const std::string why = rd_kafka_event_error_string(event);
    return {retriable(err) ? TopicState::retry : TopicState::refused, why};
  }
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  if (count != 1) return {TopicState::retry, "unexpected CreateTopics answer"};
  const auto err = rd_kafka_topic_result_error(results[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    return {TopicState::ready, ""};
  const char* why = rd_kafka_topic_result_error_string(results[0]);
  return {retriable(err) ? TopicState::retry : TopicState::refused, why ? why : rd_kafka_err2str(err)};
}

}  // namespace

TopicResult ensure_topic(rd_kafka_t* rk, const TopicSpec& spec, std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>> queue(rd_kafka_queue_new(rk));
  if (auto refused = send(rk, spec, timeout, queue.get())) return *refused;
  EventPtr event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (!event) return {TopicState::retry, "no answer to CreateTopics"};
  return read_answer(event.get());
}

TopicRequest::TopicRequest(rd_kafka_t* rk, TopicSpec spec, std::chrono::milliseconds timeout)
    : rk_(rk), spec_(std::move(spec)), timeout_(timeout), answers_(rd_kafka_queue_new(rk)) {}

TopicRequest::~TopicRequest() { rd_kafka_queue_destroy(answers_); }

std::optional<TopicResult> TopicRequest::poll() {
  if (!sent_) {
    if (auto refused = send(rk_, spec_, timeout_, answers_)) return refused;
    sent_ = true;
    give_up_ = std::chrono::steady_clock::now() + timeout_ + std::chrono::seconds(1);
  }
  if (EventPtr event(rd_kafka_queue_poll(answers_, 0)); event) {
    sent_ = false;
    return read_answer(event.get());
  }
  if (std::chrono::steady_clock::now() < give_up_) return std::nullopt;
  sent_ = false;
  return TopicResult{TopicState::retry, "no answer to CreateTopics"};
}

}  // namespace sluice::kafka
