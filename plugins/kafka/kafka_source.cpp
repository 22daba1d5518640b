#include "kafka_source.hpp"

#include <map>

#include "kafka_properties.hpp"
#include "kafka_support/kafka_connection.hpp"
#include "sluice/metadata_keys.hpp"

namespace sluice::kafka {

OptionTable kafka_source_options() {
  OptionTable t;
  option_groups::kafka_connection(t);
  t.add("topics", OptionType::string_list, "Topics to consume: one for now (one pipeline per topic)")
      .required()
      .example("[clicks]");
  t.add("group", OptionType::string, "Consumer group; its committed offsets are where a restart resumes")
      .default_to("sluice")
      .example("click-broadcast");
  t.add("start", OptionType::string, "Where a group without committed offsets starts reading")
      .default_to("earliest")
      .one_of({"earliest", "latest"});
  t.add("batch_size", OptionType::integer, "Most messages handed to the pipeline at once")
      .default_to("500")
      .at_least(1)
      .at_most(100000);
  t.add("commit_interval", OptionType::duration,
        "How often acknowledged offsets are committed (and always on shutdown and rebalance)")
      .default_to("1s")
      .at_least(1)
      .example("5s");
  t.add("max_retries", OptionType::integer,
        "Times a nacked event is read again before it goes to the pipeline's dead_letter sink (an event rejected "
        "as bad input goes there at once); its offset is committed only once that sink confirmed it")
      .default_to("5")
      .at_least(0)
      .at_most(10000)
      .example("10");
  t.add("nack_policy", OptionType::string,
        "What an event does after max_retries when the pipeline has no dead_letter sink: `retry` keeps reading it "
        "again every retry_backoff_max and never commits past it; `skip` logs it and commits past it (it is lost "
        "to this group)")
      .default_to("retry")
      .one_of({"retry", "skip"});
  t.add("retry_backoff", OptionType::duration, "Wait before reading a nacked event again; doubles with each retry")
      .default_to("1s")
      .at_least(0)
      .example("5s");
  t.add("retry_backoff_max", OptionType::duration, "The longest wait between two reads of a nacked event")
      .default_to("30s")
      .at_least(0)
      .example("1m");
  return t;
}

void KafkaSource::validate(const Options& o, ValidationContext& check) {
  const auto& topics = o.get_list("topics");
  if (topics.empty()) check.error("topics", "name at least one topic");
  // The offset bookkeeping (OffsetTracker, retries, attempts) is keyed by partition number alone:
  // two topics' partition 0 would share it, and an ack of one could commit the other past events
  // not yet delivered. Until it is keyed by topic too, one topic per source.
  if (topics.size() > 1) {
    check.error("topics",
                "a kafka source reads one topic for now (its offsets are tracked by partition number); "
                "use one pipeline per topic");
  }
  (void)check_properties(o, consumer_properties(o), check);
}

KafkaSource::KafkaSource(const Options& o, Context& context)
    : context_(context),
      cluster_(context.log),
      topics_(o.get_list("topics")),
      batch_size_(static_cast<std::size_t>(o.get_int("batch_size"))),
      skip_nacked_(o.get_string("nack_policy") == "skip"),
      retry_backoff_(o.get_duration("retry_backoff")),
      retry_backoff_max_(std::max(o.get_duration("retry_backoff"), o.get_duration("retry_backoff_max"))),
      max_retries_(static_cast<int>(o.get_int("max_retries"))),
      lag_(context.metrics) {
  // validate() has checked the topics and the properties before anything was created.
  cluster_.owner = this;
  Config conf(o, cluster_);
  set_all(conf, consumer_properties(o));
  conf.apply_user_properties();
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  consumer_ = conf.create(RD_KAFKA_CONSUMER);
  rd_kafka_poll_set_consumer(consumer_.get());

  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size()));
  for (const auto& topic : topics_)
    rd_kafka_topic_partition_list_add(subscription, topic.c_str(), RD_KAFKA_PARTITION_UA);
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
    for (int i = 0; i < partitions->cnt; ++i) {
      const std::int32_t p = partitions->elems[i].partition;
      tracker_.forget(p);
      std::erase_if(attempts_, [&](const auto& a) { return a.first.first == p; });
      std::erase_if(marks_, [&](const auto& m) { return m.first.first == p; });
      std::erase_if(new_marks_, [&](const auto& m) { return m.first.first == p; });
      std::erase_if(retries_, [&](const Retry& r) { return r.partition == p; });
    }
  }
  context_.log.info("revoked ", partitions->cnt, " partitions");
  cooperative ? (void)rd_kafka_incremental_unassign(consumer_.get(), partitions)
              : (void)rd_kafka_assign(consumer_.get(), nullptr);
}

void KafkaSource::run(Emitter& out) {
  std::vector<Event> events;
  std::vector<Range> ranges;
  std::vector<Position> positions;
  while (!stopping_) {
    retry_due();
    lag_.refresh(consumer_.get());
    events.clear();
    ranges.clear();
    positions.clear();
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
      meta.set(metadata_key::kafka_topic, topic);
      meta.set(metadata_key::kafka_partition, std::to_string(m->partition));
      meta.set(metadata_key::kafka_offset, std::to_string(m->offset));
      if (m->key) meta.set(metadata_key::kafka_key, std::string(static_cast<const char*>(m->key), m->key_len));
      rd_kafka_timestamp_type_t ts_type;
      const std::int64_t ts = rd_kafka_message_timestamp(m, &ts_type);
      if (ts >= 0) meta.set(metadata_key::kafka_timestamp_ms, std::to_string(ts));
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        std::size_t size;
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          meta.set(std::string("header.") + name, value ? std::string(static_cast<const char*>(value), size) : "");
        }
      }
      const Offset at{m->partition, m->offset};
      rd_kafka_message_destroy(m);
      if (auto mark = marks_.find(at); mark != marks_.end()) {
        const Mark given_up = std::move(mark->second);
        marks_.erase(mark);
        bool skipped = false;
        if (dead_letter(out, e, topic, at, given_up, skipped)) break;  // its own range: end this emit before it
        if (skipped) continue;
        // No dead-letter sink and nack_policy retry: it goes through the pipeline again.
      }
      auto [it, fresh] = spans.try_emplace({topic, at.first}, at.second, at.second);
      if (!fresh) it->second.second = at.second;
      positions.push_back({at.first, at.second});
      events.push_back(std::move(e));
    }
    if (events.empty()) continue;
    cluster_.healthy("consuming again");
    {
      std::lock_guard lock(mutex_);
      for (const auto& [tp, span] : spans) {
        ranges.push_back(
            {tp.first, tp.second, span.first, span.second, tracker_.emitted(tp.second, span.first, span.second)});
      }
    }
    AckFn ack = [this, ranges, positions](const AckResult& r) { on_ack(r, ranges, positions); };
    if (!out.emit(events, ack)) break;  // torn down past the deadline: nothing more is taken
  }
  out.close();
}

bool KafkaSource::dead_letter(Emitter& out, Event& event, const std::string& topic, Offset at, const Mark& mark,
                              bool& skipped) {
  Range range{topic, at.first, at.second, at.second, 0};
  {
    std::lock_guard lock(mutex_);
    range.id = tracker_.emitted(at.first, at.second, at.second);
  }
  std::vector<Event> one;
  one.push_back(std::move(event));
  AckFn ack = [this, range, mark](const AckResult& r) { on_dead_letter_ack(r, range, mark); };
  if (out.dead_letter(one, mark.component, mark.reason, ack)) return true;
  event = std::move(one.front());
  if (skip_nacked_) {
    context_.log.warn("gave up on partition ", at.first, " offset ", at.second, " (", mark.reason,
                      "); the pipeline has no dead_letter sink, so it is skipped (nack_policy: skip)");
    commit({range});
    skipped = true;
    return false;
  }
  context_.log.warn("cannot deliver partition ", at.first, " offset ", at.second, " (", mark.reason,
                    ") and the pipeline has no dead_letter sink; reading it again every ", retry_backoff_max_.count(),
                    " ms and not committing past it (nack_policy: retry)");
  std::lock_guard lock(mutex_);
  tracker_.forget_from(at.first, at.second);  // its own range is dropped: it is emitted as usual
  return false;
}

void KafkaSource::on_dead_letter_ack(const AckResult& result, const Range& range, const Mark& mark) {
  if (result.dead_lettered) {
    commit({range});
    return;
  }
  // The dead-letter sink failed: not handled, so read it again and try once more, later.
  std::lock_guard lock(mutex_);
  const int attempt = ++attempts_[{range.partition, range.first}];
  new_marks_[{range.partition, range.first}] = mark;
  retries_.push_back({range.topic, range.partition, range.first, std::chrono::steady_clock::now() + backoff(attempt)});
  context_.log.warn("the dead-letter sink did not take partition ", range.partition, " offset ", range.first, " (",
                    result.reason, "); trying again in ", backoff(attempt).count(), " ms");
}

Duration KafkaSource::backoff(int attempt) const {
  Duration d = retry_backoff_;
  for (int i = 1; i < attempt && d < retry_backoff_max_; ++i) d *= 2;
  return std::min(d, retry_backoff_max_);
}

void KafkaSource::on_ack(const AckResult& result, const std::vector<Range>& ranges,
                         const std::vector<Position>& positions) {
  if (result.ok || result.dead_lettered) {
    commit(ranges);
    return;
  }
  // Every event before the first failed one (result.event) was delivered. Per partition, the
  // emit's events ahead of its first event at or after that position are committed, and the
  // partition is read again from that event: what was delivered is not delivered twice. (Events
  // after the failed one may have been delivered too; the verdict does not say, so they are read
  // again: at least once.)
  const std::size_t first_failed = result.event < positions.size() ? result.event : 0;
  std::map<std::int32_t, std::int64_t> resume;  // partition -> offset to read again from
  for (std::size_t i = first_failed; i < positions.size(); ++i)
    resume.try_emplace(positions[i].partition, positions[i].offset);
  std::vector<Range> delivered;
  std::vector<Retry> again;
  for (const auto& r : ranges) {
    auto from = resume.find(r.partition);
    if (from == resume.end()) {
      delivered.push_back(r);  // none of its events was at or after the failed one
      continue;
    }
    if (from->second > r.first) delivered.push_back({r.topic, r.partition, r.first, from->second - 1, r.id});
    again.push_back({r.topic, r.partition, from->second, {}});
  }
  if (!delivered.empty()) commit(delivered);

  std::lock_guard lock(mutex_);
  const Position failed = result.event < positions.size() ? positions[result.event]
                                                          : Position{ranges.front().partition, ranges.front().first};
  const Offset at{failed.partition, failed.offset};
  const int attempt = ++attempts_[at];
  // Bad input is refused again however often it is read: to the dead-letter path at once.
  const bool give_up = result.rejected || attempt > max_retries_;
  if (give_up) {
    const std::string component = result.component.empty() ? context_.label : result.component;
    std::string reason = result.reason;
    if (reason.rfind(component + ": ", 0) == 0) reason.erase(0, component.size() + 2);
    if (!result.rejected) reason += " (after " + std::to_string(max_retries_) + " retries)";
    new_marks_[at] = Mark{component, std::move(reason)};
  }
  // A rejected event's first trip to the dead-letter path needs no wait; a sink that keeps failing does.
  const Duration wait = result.rejected && attempt == 1 ? Duration(0) : backoff(attempt);
  const auto due = std::chrono::steady_clock::now() + wait;
  for (auto& r : again) {
    r.due = due;
    retries_.push_back(std::move(r));
  }
  context_.log.warn("nacked (", result.reason, "); reading partition ", at.first, " again from offset ",
                    resume.count(at.first) ? resume[at.first] : at.second, " in ", wait.count(), " ms",
                    give_up ? ", then handing offset " + std::to_string(at.second) + " to the dead-letter sink" : "");
}

void KafkaSource::commit(const std::vector<Range>& ranges) {
  rd_kafka_topic_partition_list_t* commit = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : ranges) {
      if (auto offset = tracker_.acked(r.partition, r.first, r.id, r.last)) {
        if (!commit) commit = rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size()));
        rd_kafka_topic_partition_list_add(commit, r.topic.c_str(), r.partition)->offset = *offset;
        // Retries counted for events now committed past are done with.
        std::erase_if(attempts_,
                      [&](const auto& a) { return a.first.first == r.partition && a.first.second < *offset; });
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
    // Per partition, the lowest offset due. Reading from there reads every later one again, so the
    // partition's other retries from there on are done too; seeking to a later one afterwards
    // would skip what lies between.
    std::map<std::int32_t, Retry> lowest;
    for (const auto& r : retries_) {
      if (r.due > now) continue;
      auto [it, fresh] = lowest.try_emplace(r.partition, r);
      if (!fresh && r.offset < it->second.offset) it->second = r;
    }
    for (const auto& [partition, r] : lowest) {
      std::erase_if(retries_, [&](const Retry& x) { return x.partition == partition && x.offset >= r.offset; });
      // Later ranges of the partition are read again too, so forget them: their acks no longer count.
      tracker_.forget_from(partition, r.offset);
      due.push_back(r);
    }
    if (!due.empty()) {
      marks_.merge(new_marks_);
      new_marks_.clear();  // keys already in marks_ stay there: the same event, marked again
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
