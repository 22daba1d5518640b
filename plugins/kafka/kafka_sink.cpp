#include "kafka_sink.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kafka_properties.hpp"
#include "kafka_support/kafka_connection.hpp"

namespace sluice::kafka {

OptionTable kafka_sink_options() {
  OptionTable t;
  option_groups::kafka_connection(t);
  t.add("topic", OptionType::string, "Topic to write to; created when missing (see create_topic)")
      .required()
      .example("clicks");
  t.add("key", OptionType::string,
        "JSON field whose value becomes the message key (same key, same partition, order kept); empty for no key")
      .default_to("")
      .example("page");
  t.add("acks", OptionType::string, "How many replicas must have the message before it counts as delivered")
      .default_to("all")
      .one_of({"all", "1", "0"});
  t.add("idempotence", OptionType::boolean,
        "Idempotent producer: retries never duplicate or reorder messages (needs acks: all)")
      .default_to("true");
  t.add("compression", OptionType::string, "Compression of message batches (librdkafka's default is none)")
      .default_to("none")
      .one_of({"none", "gzip", "snappy", "lz4", "zstd"})
      .example("lz4");
  t.add("linger_ms", OptionType::duration, "How long librdkafka waits to fill a message batch (its default is 5ms)")
      .default_to("5ms")
      .at_least(0)
      .at_most(900000)
      .example("20ms");
  t.add("batch_size", OptionType::bytes, "Largest message batch sent to a partition at once (librdkafka's default)")
      .default_to("1000000")
      .at_least(1)
      .at_most(2147483647)
      .example("1MiB");
  t.add("message_timeout", OptionType::duration,
        "How long librdkafka keeps retrying a message (broker down, leader lost) before its source gets a nack")
      .default_to("30s")
      .at_least(1)
      .example("2m");
  // A link that drops packets (a pulled cable, a firewall) gives librdkafka no error until its own
  // request timeouts, 30-60 s later; meanwhile every event waits, and only this tells /ready.
  t.add("stall_timeout", OptionType::duration,
        "How long messages may wait with no delivery report from Kafka before /ready says the sink is stalled")
      .default_to("5s")
      .at_least(1)
      .example("10s");
  t.add("create_topic", OptionType::boolean,
        "Create the topic through the admin API when it does not exist; when false, events for a missing topic are "
        "nacked, naming it (after librdkafka's topic.metadata.propagation.max.ms, 30s, or message_timeout if shorter)")
      .default_to("true");
  t.add("partitions", OptionType::integer, "Partitions of a topic the sink creates")
      .default_to("1")
      .at_least(1)
      .example("6");
  t.add("replication", OptionType::integer, "Replication factor of a topic the sink creates")
      .default_to("1")
      .at_least(1)
      .example("3");
  // 0, the default, leaves the topic to the broker's min.insync.replicas (1 unless the broker sets
  // it), as a topic created by hand would be. Every option has a default (tests/engine/options_test).
  t.add("min_insync_replicas", OptionType::integer,
        "min.insync.replicas of a topic the sink creates (with acks: all, a write is refused while fewer replicas are "
        "in sync); at most replication. 0: the broker's default. A topic that exists already is not changed")
      .default_to("0")
      .at_least(0)
      .example("2");
  t.add("header_prefix", OptionType::string,
        "Event metadata whose key starts with this goes out as a Kafka header, named without the prefix")
      .default_to("header.");
  t.add("metadata_headers", OptionType::string_list,
        "Event metadata whose key starts with one of these also goes out as a Kafka header, under its full name: "
        "a dead-letter topic's consumer reads dead_letter.reason, dead_letter.component and dead_letter.at this way")
      .default_to("dead_letter.")
      .example("[dead_letter., kafka.]");
  return t;
}

namespace {

// Errors that sending the same message again cannot cure: the event is refused for good (and goes
// to the pipeline's dead-letter sink) instead of being retried by its source forever.
bool permanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return true;
    default:
      return false;
  }
}

}  // namespace

// One batch on its way to Kafka. Deleted by whoever settles its last event.
struct KafkaSink::InFlight {
  InFlight(std::shared_ptr<const Batch> b, Delivery d)
      : batch(std::move(b)), done(std::move(d)), tags(batch->size()), outstanding(batch->size()) {}

  // `error` null when delivered. Deletes this when it was the last event.
  void settle(std::size_t index, const char* error, bool refused_for_good = false) {
    if (error != nullptr) {
      std::lock_guard lock(failures_mutex);
      failures.push_back({index, error, refused_for_good});
    }
    if (outstanding.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    for (auto& f : failures) {
      f.permanent ? done.reject_event(f.index, std::move(f.reason)) : done.fail_event(f.index, std::move(f.reason));
    }
    done.complete();
    delete this;
  }

  std::shared_ptr<const Batch> batch;
  Delivery done;
  std::vector<MessageTag> tags;
  std::size_t next = 0;  // the next event to hand to librdkafka
  std::atomic<std::size_t> outstanding;
  std::mutex failures_mutex;
  std::vector<detail::EventFailure> failures;
};

void KafkaSink::validate(const Options& o, ValidationContext& check) {
  const ConfPtr conf = check_properties(o, producer_properties(o), check);
  // librdkafka refuses this combination only when the client is made (rd_kafka_new): read the
  // values back, `properties` included, and say it here.
  const auto value_of = [&](const char* name) {
    char value[64];
    std::size_t size = sizeof value;
    return rd_kafka_conf_get(conf.get(), name, value, &size) == RD_KAFKA_CONF_OK ? std::string(value) : std::string();
  };
  const std::string acks = value_of("acks");
  if (value_of("enable.idempotence") == "true" && acks != "-1" && acks != "all") {
    const bool from_option = o.get_string("acks") != "all";
    check.error(from_option ? "acks" : "properties",
                "acks: " + (from_option ? o.get_string("acks") : acks) +
                    " needs idempotence: false (an idempotent producer needs acks: all)");
  }
  // The broker would accept such a topic, and then refuse every acks: all write to it.
  if (o.get_int("min_insync_replicas") > o.get_int("replication")) {
    check.error("min_insync_replicas", "min_insync_replicas: " + std::to_string(o.get_int("min_insync_replicas")) +
                                           " is more than replication: " + std::to_string(o.get_int("replication")) +
                                           "; a topic cannot need more in-sync replicas than it has (every acks: all "
                                           "write to it would be refused): lower it or raise replication");
  }
}

KafkaSink::KafkaSink(const Options& o, Context& context)
    : context_(context),
      cluster_(context.log),
      topic_{
          o.get_string("topic"), static_cast<int>(o.get_int("partitions")), static_cast<int>(o.get_int("replication")),
          o.get_int("min_insync_replicas") > 0 ? std::optional<int>(static_cast<int>(o.get_int("min_insync_replicas")))
                                               : std::nullopt},
      create_topic_(o.get_bool("create_topic")),
      stall_timeout_(o.get_duration("stall_timeout")),
      key_field_(o.get_string("key")),
      header_prefix_(o.get_string("header_prefix")),
      queue_messages_(context.metrics->gauge(kProducerQueue, kProducerQueueHelp)),
      delivery_errors_(context.metrics->counter(kDeliveryErrors, kDeliveryErrorsHelp)) {
  for (const auto& prefix : o.get_list("metadata_headers")) {
    if (!prefix.empty()) metadata_headers_.push_back(prefix);
  }
  cluster_.owner = this;
  Config conf(o, cluster_);
  set_all(conf, producer_properties(o));  // validate() has checked them
  conf.apply_user_properties();
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  producer_ = conf.create(RD_KAFKA_PRODUCER);
  topic_ready_ = !create_topic_;
  if (create_topic_) topic_request_ = std::make_unique<TopicRequest>(producer_.get(), topic_, std::chrono::seconds(5));
  if (context.io == nullptr) throw Error("the kafka sink needs the engine's I/O context");
  waker_ = std::make_unique<QueueWaker>(
      *context.io, rd_kafka_queue_get_main(producer_.get()), [this] { serve(); }, context.log);
}

KafkaSink::~KafkaSink() {
  waker_.reset();  // waits for a running handler; none runs after this
  // Without a flush (the engine gave up), whatever is left is failed now, while the engine and
  // the sources still listen, rather than by rd_kafka_destroy later.
  fail_pending("the sink was stopped before these events were sent to Kafka");
  purge_and_report();
  topic_request_.reset();  // its queue goes before the client
  producer_.reset();       // waits until librdkafka has stopped its threads
}

void KafkaSink::start() {
  waker_->start();
  if (!topic_ready_) waker_->wake_after(std::chrono::milliseconds(0));
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* cluster = static_cast<ClusterLog*>(opaque);
  auto* tag = static_cast<MessageTag*>(message->_private);
  if (message->err) {
    const auto* sink = static_cast<const KafkaSink*>(cluster->owner);
    std::string why = rd_kafka_err2str(message->err);
    // librdkafka's "Local: Unknown topic" does not say which topic, nor that the sink was told
    // not to create it.
    if (message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      why += ": topic '" + sink->topic_.name + "' does not exist";
      if (!sink->create_topic_) why += " and create_topic is false: create it, or set create_topic: true";
    }
    sink->delivery_errors_.inc();
    tag->batch->settle(tag->index, why.c_str(), permanent(message->err));
    return;
  }
  cluster->healthy("delivering again");
  static_cast<KafkaSink*>(cluster->owner)
      ->last_delivery_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  tag->batch->settle(tag->index, nullptr);
}

void KafkaSink::serve() {
  create_topic_if_due();
  pump();
  queue_messages_.set(rd_kafka_outq_len(producer_.get()));
  // The timer runs only while there is something to retry; an idle sink is never woken.
  using std::chrono::milliseconds;
  if (!topic_ready_) {
    const auto until = std::chrono::duration_cast<milliseconds>(next_topic_attempt_ - std::chrono::steady_clock::now());
    // While a request is out its answer is looked for every 50ms (it has no queue event).
    waker_->wake_after(topic_request_->waiting() ? milliseconds(50) : std::max(until, milliseconds(0)));
    return;
  }
  std::lock_guard lock(pump_mutex_);
  if (!pending_.empty()) waker_->wake_after(milliseconds(250));
}

void KafkaSink::create_topic_if_due() {
  if (topic_ready_ || std::chrono::steady_clock::now() < next_topic_attempt_) return;
  const std::optional<TopicResult> answer = topic_request_->poll();
  if (!answer) return;
  const TopicResult& r = *answer;
  switch (r.state) {
    case TopicState::ready: {
      std::lock_guard lock(pump_mutex_);
      topic_refused_.clear();
      topic_ready_ = true;
      cluster_.healthy("topic '" + topic_.name + "' is ready");
      return;
    }
    case TopicState::retry:
      cluster_.problem("cannot create or check topic '" + topic_.name + "' yet: " + r.detail);
      next_topic_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      return;
    case TopicState::refused: {
      std::lock_guard lock(pump_mutex_);
      if (topic_refused_ != r.detail) {
        context_.log.error("the broker refuses to create topic '", topic_.name, "' (", topic_.partitions,
                           " partitions, replication ", topic_.replication,
                           topic_.min_insync_replicas
                               ? ", min.insync.replicas " + std::to_string(*topic_.min_insync_replicas)
                               : std::string(),
                           "): ", r.detail, "; events for it are nacked until this is fixed");
      }
      topic_refused_ = r.detail;
      next_topic_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      return;
    }
  }
}

void KafkaSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  auto* flight = new InFlight(std::move(batch), std::move(done));
  {
    std::lock_guard lock(pump_mutex_);
    pending_.push_back(flight);
  }
  pump();
  // Normally the delivery reports that make room retry a batch that met a full queue; the timer
  // is the backstop.
  bool waiting;
  {
    std::lock_guard lock(pump_mutex_);
    waiting = !pending_.empty();
  }
  if (waiting) waker_->wake_after(std::chrono::milliseconds(250));
}

void KafkaSink::pump() {
  std::lock_guard lock(pump_mutex_);
  while (!pending_.empty()) {
    InFlight* b = pending_.front();
    if (!topic_ready_) {
      if (topic_refused_.empty()) return;  // still trying: wait, holding the batch (backpressure)
      pending_.pop_front();
      const std::string why = "topic '" + topic_.name + "' cannot be created: " + topic_refused_;
      for (std::size_t i = b->next, n = b->batch->size(); i < n; ++i) b->settle(i, why.c_str());
      continue;
    }
    const std::size_t n = b->batch->size();
    // The wait for Kafka starts when an idle producer gets its first message (see ready()).
    if (b->next == 0 && rd_kafka_outq_len(producer_.get()) == 0) {
      busy_since_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    }
    while (b->next < n) {
      const std::size_t i = b->next++;
      const bool last = i + 1 == n;
      const rd_kafka_resp_err_t err = produce(*b, i);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        --b->next;  // not taken: tried again once delivery reports have made room (serve())
        return;
      }
      if (last) pending_.pop_front();
      // From here `b` may be gone: a delivery report can settle its last event at any moment.
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delivery_errors_.inc();
        b->settle(i, rd_kafka_err2str(err), permanent(err));
      }
      if (last) break;
    }
  }
}

rd_kafka_resp_err_t KafkaSink::produce(InFlight& b, std::size_t index) {
  const Event& event = (*b.batch)[index];
  b.tags[index] = MessageTag{&b, index};
  std::string key;
  if (!key_field_.empty()) {
    // No key for payloads that are not JSON objects or lack the field: they still go out.
    // member() reads the one value without nlohmann's DOM of the whole payload.
    try {
      if (auto value = event.member(key_field_)) key = value->is_string() ? value->get<std::string>() : value->dump();
    } catch (const EventError&) {
    }
  }
  rd_kafka_headers_t* headers = nullptr;
  for (const auto& [name, value] : event.meta()) {
    const char* header = nullptr;
    if (!header_prefix_.empty() && name.rfind(header_prefix_, 0) == 0) {
      header = name.c_str() + header_prefix_.size();
    } else {
      for (const auto& prefix : metadata_headers_) {
        if (name.rfind(prefix, 0) == 0) header = name.c_str();
      }
    }
    if (header == nullptr) continue;
    if (headers == nullptr) headers = rd_kafka_headers_new(4);
    rd_kafka_header_add(headers, header, -1, value.data(), static_cast<ssize_t>(value.size()));
  }
  const std::string_view payload = event.payload();
  // No RD_KAFKA_MSG_F_COPY: librdkafka points at the payload, which the batch keeps alive.
  const rd_kafka_resp_err_t err =
      rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(topic_.name.c_str()),
                        RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_HEADERS(headers),
                        RD_KAFKA_V_OPAQUE(&b.tags[index]), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) rd_kafka_headers_destroy(headers);
  return err;
}

bool KafkaSink::ready(std::string& why) const {
  if (!topic_ready_) {
    why = "topic '" + topic_.name + "' is not ready";
    return false;
  }
  if (cluster_.degraded()) {
    why = "Kafka is unreachable: " + cluster_.last_problem();
    return false;
  }
  // Stalled: messages wait, and Kafka has confirmed none since they began waiting or since the
  // last delivery, whichever is later, for stall_timeout.
  const int waiting = rd_kafka_outq_len(producer_.get());
  if (waiting > 0) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point since(Clock::duration(
        std::max(last_delivery_.load(std::memory_order_relaxed), busy_since_.load(std::memory_order_relaxed))));
    const auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since);
    if (quiet > stall_timeout_) {
      why = "Kafka has confirmed no message for " + std::to_string(quiet.count()) + "ms while " +
            std::to_string(waiting) + " wait (stall_timeout " + std::to_string(stall_timeout_.count()) +
            "ms): the brokers are unreachable or stalled";
      return false;
    }
  }
  return true;
}

void KafkaSink::flush(Deadline deadline) {
  // Hand over what is still pending, then let librdkafka deliver, all before the deadline.
  for (;;) {
    pump();
    bool idle;
    {
      std::lock_guard lock(pump_mutex_);
      idle = pending_.empty() && rd_kafka_outq_len(producer_.get()) == 0;
    }
    if (idle || std::chrono::steady_clock::now() >= deadline) break;
    rd_kafka_poll(producer_.get(), 20);
  }
  const int left = rd_kafka_outq_len(producer_.get());
  std::size_t unsent = 0;
  {
    std::lock_guard lock(pump_mutex_);
    for (auto* b : pending_) unsent += b->batch->size() - b->next;
  }
  if (left == 0 && unsent == 0) return;
  context_.log.error("shutdown deadline: ", left, " messages still queued in librdkafka and ", unsent,
                     " not yet handed to it; their sources get a nack");
  fail_pending("the shutdown deadline passed before these events were sent to Kafka");
  purge_and_report();
}

void KafkaSink::purge_and_report() {
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Purged messages get a delivery report (an error), served by poll. rd_kafka_destroy would free
  // them without one, and their sources would never hear back.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (rd_kafka_outq_len(producer_.get()) > 0 && std::chrono::steady_clock::now() < until) {
    rd_kafka_poll(producer_.get(), 10);
  }
}

void KafkaSink::fail_pending(const std::string& reason) {
  std::deque<InFlight*> left;
  {
    std::lock_guard lock(pump_mutex_);
    left.swap(pending_);
  }
  for (auto* b : left) {
    for (std::size_t i = b->next, n = b->batch->size(); i < n; ++i) b->settle(i, reason.c_str());
  }
}

}  // namespace sluice::kafka
