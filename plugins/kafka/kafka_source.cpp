#include "kafka_source.hpp"

#include <map>

namespace sluice::kafka {

OptionTable kafka_source_options() {
  OptionTable t;
  option_groups::kafka_connection(t);
  t.add("topics", OptionType::string_list, "Topics to consume").required().example("[clicks]");
  t.add("group", OptionType::string, "Consumer group; its committed offsets are where a restart resumes")
      .default_to("sluice").example("click-broadcast");
  t.add("start", OptionType::string, "Where a group without committed offsets starts reading")
      .default_to("earliest").one_of({"earliest", "latest"});
  t.add("batch_size", OptionType::integer, "Most messages handed to the pipeline at once")
      .default_to("500").at_least(1).at_most(100000);
  t.add("commit_interval", OptionType::duration,
        "How often acknowledged offsets are committed (and always on shutdown and rebalance)")
      .default_to("1s").at_least(1).example("5s");
  t.add("nack_policy", OptionType::string,
        "What a nacked event does: `retry` reads it again after retry_backoff and never commits past it; `skip` "
        "logs it and commits past it (it is lost to this group)")
      .default_to("retry").one_of({"retry", "skip"});
  t.add("retry_backoff", OptionType::duration, "Wait before reading a nacked event again")
      .default_to("1s").at_least(0).example("5s");
  return t;
}

KafkaSource::KafkaSource(const Options& o, Context& context)
    : context_(context),
      cluster_(context.log),
      topics_(o.get_list("topics")),
      batch_size_(static_cast<std::size_t>(o.get_int("batch_size"))),
      skip_nacked_(o.get_string("nack_policy") == "skip"),
      retry_backoff_(o.get_duration("retry_backoff")) {
  if (topics_.empty()) throw ConfigError("topics", "name at least one topic");
  cluster_.owner = this;
  Config conf(o, cluster_);
  conf.set("group.id", o.get_string("group"), "group");
  conf.set("auto.offset.reset", o.get_string("start"), "start");
  // At least once: librdkafka commits in the background, but only offsets we stored, and we store
  // an offset only once every event before it was acknowledged.
  conf.set("enable.auto.commit", "true", "commit_interval");
  conf.set("enable.auto.offset.store", "false", "commit_interval");
  conf.set("auto.commit.interval.ms", ms(o.get_duration("commit_interval")), "commit_interval");
  // Bounded prefetch: while the pipeline pushes back, librdkafka holds at most this much.
  conf.set("queued.max.messages.kbytes", "16384", "properties");
  conf.apply_user_properties();
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  consumer_ = conf.create(RD_KAFKA_CONSUMER);
  rd_kafka_poll_set_consumer(consumer_.get());

  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size()));
  for (const auto& topic : topics_) rd_kafka_topic_partition_list_add(subscription, topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (err) throw ConfigError("topics", std::string("cannot subscribe: ") + rd_kafka_err2str(err));
}

KafkaSource::~KafkaSource() {
  stop();
  if (thread_.joinable()) thread_.join();
  // Every event is settled by now (sources are destroyed last): commit what was acknowledged.
  const rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), nullptr, /*async=*/0);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) context_.log.warn("final commit failed: ", rd_kafka_err2str(err));
  rd_kafka_consumer_close(consumer_.get());
  consumer_.reset();
}

void KafkaSource::start(Emitter& out) {
  thread_ = std::thread([this, &out] { run(out); });
}

void KafkaSource::stop() { stopping_ = true; }

void KafkaSource::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                               void* opaque) {
  static_cast<KafkaSource*>(static_cast<ClusterLog*>(opaque)->owner)->rebalance(err, partitions);
}

void KafkaSource::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(consumer_.get())) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    context_.log.info("assigned ", partitions->cnt, " partitions");
    cooperative ? (void)rd_kafka_incremental_assign(consumer_.get(), partitions)
                : (void)rd_kafka_assign(consumer_.get(), partitions);
    return;
  }
  // Revoked: commit what was acknowledged while we still own the partitions. Events of them still
  // in the pipeline will be read again by the new owner (at least once).
  (void)rd_kafka_commit(consumer_.get(), nullptr, /*async=*/0);
  {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < partitions->cnt; ++i) tracker_.forget(partitions->elems[i].partition);
  }
  context_.log.info("revoked ", partitions->cnt, " partitions");
  cooperative ? (void)rd_kafka_incremental_unassign(consumer_.get(), partitions)
              : (void)rd_kafka_assign(consumer_.get(), nullptr);
}

void KafkaSource::run(Emitter& out) {
  std::vector<Event> events;
  std::vector<Range> ranges;
  while (!stopping_) {
    retry_due();
    events.clear();
    ranges.clear();
    std::map<std::pair<std::string, std::int32_t>, std::pair<std::int64_t, std::int64_t>> spans;
    // Block briefly for the first message, then take what is already there, up to a batch.
    for (int timeout = 100; events.size() < batch_size_; timeout = 0) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), timeout);
      if (m == nullptr) break;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) cluster_.problem(rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        continue;
      }
      const std::string topic = rd_kafka_topic_name(m->rkt);
      Event e(std::string(static_cast<const char*>(m->payload), m->len));
      auto& meta = e.meta();
      meta.set("kafka.topic", topic);
      meta.set("kafka.partition", std::to_string(m->partition));
      meta.set("kafka.offset", std::to_string(m->offset));
      if (m->key) meta.set("kafka.key", std::string(static_cast<const char*>(m->key), m->key_len));
      rd_kafka_timestamp_type_t ts_type;
      const std::int64_t ts = rd_kafka_message_timestamp(m, &ts_type);
      if (ts >= 0) meta.set("kafka.timestamp_ms", std::to_string(ts));
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        std::size_t size;
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          meta.set(std::string("header.") + name, value ? std::string(static_cast<const char*>(value), size) : "");
        }
      }
      auto [it, fresh] = spans.try_emplace({topic, m->partition}, m->offset, m->offset);
      if (!fresh) it->second.second = m->offset;
      events.push_back(std::move(e));
      rd_kafka_message_destroy(m);
    }
    if (events.empty()) continue;
    cluster_.healthy("consuming again");
    {
      std::lock_guard lock(mutex_);
      for (const auto& [tp, span] : spans) {
        ranges.push_back({tp.first, tp.second, span.first, span.second, tracker_.emitted(tp.second, span.first, span.second)});
      }
    }
    AckFn ack = [this, ranges](const AckResult& r) { on_ack(r, ranges); };
    if (!out.emit(events, ack)) break;  // torn down past the deadline: nothing more is taken
  }
  out.close();
}

void KafkaSource::on_ack(const AckResult& result, const std::vector<Range>& ranges) {
  if (!result.ok && !skip_nacked_) {
    std::lock_guard lock(mutex_);
    for (const auto& r : ranges) {
      retries_.push_back({r.topic, r.partition, r.first, std::chrono::steady_clock::now() + retry_backoff_});
    }
    context_.log.warn("nacked (", result.reason, "); reading partition ", ranges.front().partition, " again from offset ",
                      ranges.front().first, " in ", retry_backoff_.count(), " ms");
    return;
  }
  if (!result.ok) context_.log.warn("nacked and skipped (nack_policy: skip): ", result.reason);
  rd_kafka_topic_partition_list_t* commit = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : ranges) {
      if (auto offset = tracker_.acked(r.partition, r.first, r.id)) {
        if (!commit) commit = rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size()));
        rd_kafka_topic_partition_list_add(commit, r.topic.c_str(), r.partition)->offset = *offset;
      }
    }
  }
  if (commit) {
    // Stored here, committed by librdkafka's auto-commit, on revoke and at shutdown.
    const rd_kafka_resp_err_t err = rd_kafka_offsets_store(consumer_.get(), commit);
    if (err && err != RD_KAFKA_RESP_ERR__STATE) context_.log.warn("cannot store offsets: ", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(commit);
  }
}

void KafkaSource::retry_due() {
  std::vector<Retry> due;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    while (!retries_.empty() && retries_.front().due <= now) {
      due.push_back(retries_.front());
      // Later ranges of the partition are read again too, so forget them: their acks no longer count.
      tracker_.forget_from(retries_.front().partition, retries_.front().offset);
      retries_.pop_front();
    }
  }
  for (const auto& r : due) {
    rd_kafka_topic_partition_list_t* at = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(at, r.topic.c_str(), r.partition)->offset = r.offset;
    if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), at, 5000)) {
      context_.log.warn("cannot seek back to offset ", r.offset, ": ", rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
    rd_kafka_topic_partition_list_destroy(at);
  }
}

}  // namespace sluice::kafka
