#include "aggregate.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "sluice/metadata_keys.hpp"
#include "utf8.hpp"

namespace sluice::clicks {

OptionTable aggregate_options() {
  OptionTable t;
  t.add("key", OptionType::string, "JSON field whose value the totals are kept per").default_to("page");
  t.add("time_field", OptionType::string,
        "JSON field with the event's time in Unix ms; the receive time when absent, and a time in the future "
        "counts as now")
      .default_to("receivedAt");
  t.add("max_keys", OptionType::integer,
        "Keys counted one by one; the rest share the stats event's `other` total. Which keys keep a counter: "
        "Space-Saving, so any key with more than 1/max_keys of the events has one, whatever came first. The "
        "stats event is at most 64 KiB (65,536 bytes) whatever the keys: keys that do not fit go into `other` too")
      .default_to("1000")
      .at_least(1)
      .at_most(100000);
  t.add("max_key_bytes", OptionType::integer,
        "Keys longer than this many bytes are cut (at a UTF-8 character boundary) and end in `…`")
      .default_to("200")
      .at_least(8)
      .at_most(4096);
  t.add("window", OptionType::duration, "Sliding window of the events-per-second figure")
      .default_to("10s")
      .at_least(1000);
  t.add("interval", OptionType::duration, "How often a stats event is emitted").default_to("1s").at_least(50);
  t.add("rebuild_topic", OptionType::string,
        "Kafka topic to rebuild the totals from at start; empty keeps totals in memory only")
      .default_to("")
      .example("clicks");
  // rebuild_brokers and rebuild_properties: the kafka source's connection settings, for rebuild_topic.
  option_groups::kafka_connection(t, "rebuild_");
  return t;
}

namespace {
// The dashboard's chart shows the last minute; per_second_ keeps nothing older.
constexpr std::int64_t kChartSeconds = 60;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

std::int64_t ms_of(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The event's time from a JSON number, in Unix ms, or `fallback` when it is no usable number
// (a float out of range would be undefined behaviour to convert).
std::int64_t time_of(const nlohmann::json& v, std::int64_t fallback) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
  }
  return fallback;
}

std::size_t digits(std::uint64_t n) { return std::to_string(n).size(); }

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

Aggregate::Aggregate(const Options& o, Context& context)
    : context_(context),
      key_field_(o.get_string("key")),
      time_field_(o.get_string("time_field")),
      max_key_bytes_(static_cast<std::size_t>(o.get_int("max_key_bytes"))),
      window_(o.get_duration("window")),
      interval_(o.get_duration("interval")),
      rebuild_topic_(o.get_string("rebuild_topic")),
      rebuild_from_(kafka_support::KafkaConnection::from(o, "rebuild_")),
      per_key_(static_cast<std::size_t>(o.get_int("max_keys"))) {}

void Aggregate::validate(const Options& o, ValidationContext& check) {
  if (o.get_string("rebuild_topic").empty()) return;  // nothing is read: the settings are unused
  kafka_support::KafkaConnection::from(o, "rebuild_").check(check);
}

void Aggregate::start() {
  if (!rebuild_topic_.empty()) {
    history_ = topic_end(rebuild_from_, rebuild_topic_, std::chrono::seconds(3));
    if (!history_.error.empty()) {
      context_.log.warn("cannot read where topic '", rebuild_topic_, "' ends (", history_.error,
                        "); totals start from zero this time");
      history_.end.clear();
    } else if (!history_.end.empty()) {
      rebuilding_ = true;
      rebuilder_ = std::thread([this] { rebuild(); });
    }
  }
  if (context_.io != nullptr && context_.inject) {
    timer_ = std::make_unique<boost::asio::steady_timer>(*context_.io);
    schedule();
  }
}

void Aggregate::rebuild() {
  std::uint64_t n = 0;
  std::string error;
  try {
    error = read_history(
        rebuild_from_, rebuild_topic_, history_,
        [&](std::string_view payload) {
          // Not JSON (or not UTF-8): a discarded value, nothing counted, nothing thrown.
          const Event event{std::string(payload)};
          try {
            if (event.json_type() != JsonType::object) return;
          } catch (const EventError&) {
            return;
          }
          count(event, 0);  // no time: in the totals, not charted
          ++n;
        },
        [this] { return stopping_.load(); });
  } catch (const std::exception& e) {
    error = e.what();  // out of memory, say: the totals are short, the engine goes on
  }
  {
    std::lock_guard lock(mutex_);
    rebuilding_ = false;
  }
  if (error.empty()) {
    context_.log.info("totals rebuilt from ", n, " events of topic '", rebuild_topic_, "'");
  } else {
    context_.log.warn("rebuilding totals from topic '", rebuild_topic_, "' stopped after ", n, " events: ", error);
  }
}

void Aggregate::stop() {
  stopping_ = true;
  if (rebuilder_.joinable()) rebuilder_.join();
  // The io_context has stopped (sluice/thread_model.hpp): no handler of the timer runs, so it is
  // dropped here without racing one; a queued handler is destroyed unrun with the io_context.
  timer_.reset();
}

Aggregate::~Aggregate() {
  // stop() ran if start() did; this is for a transform made but never started (or a unit test).
  stop();
}

// Counts one JSON object. Its key is cut to max_key_bytes_ before it is looked up, so each
// counter costs at most that much; its time is clamped to now, so a time in the future cannot
// add seconds to per_second_, and a time before the chart's minute is in the totals only.
// Event::member() reads the key and the time without nlohmann's DOM of the whole event (when
// json_type() could check the text with simdjson: nearly always).
void Aggregate::count(const Event& event, std::int64_t received_ms) {
  // An object or array is not dumped: its text could be as long as the payload, and dumping
  // recurses once per level of nesting, which a Kafka message does not bound.
  std::string key;
  switch (event.member_type(key_field_)) {
    case JsonType::absent:
      key = "(none)";
      break;
    case JsonType::object:
      key = "(object)";
      break;
    case JsonType::array:
      key = "(array)";
      break;
    default: {
      const nlohmann::json k = *event.member(key_field_);
      key = cut_utf8(k.is_string() ? k.get_ref<const std::string&>() : dump(k), max_key_bytes_);
    }
  }
  // Only a number can be a time (time_of takes nothing else), and only a number is read: member()
  // of an object or array would copy it, once per level of nesting on the stack.
  const JsonType time_type = event.member_type(time_field_);
  const bool numeric = time_type == JsonType::integer || time_type == JsonType::floating;
  const std::int64_t at = numeric ? time_of(*event.member(time_field_), received_ms) : received_ms;

  const std::int64_t now_s = now_ms() / 1000;
  const std::int64_t second = std::min(at / 1000, now_s);
  std::lock_guard lock(mutex_);
  ++total_;
  per_key_.add(key);
  while (!per_second_.empty() && per_second_.begin()->first <= now_s - kChartSeconds)
    per_second_.erase(per_second_.begin());
  if (second > now_s - kChartSeconds) ++per_second_[second];
}

void Aggregate::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    if (const std::string* kind = e.meta().find(metadata_key::sluice_kind); kind && *kind == "stats") continue;
    if (const auto position = kafka_position(e.meta())) {
      // Counted by the rebuild already: an older event the source hands over again.
      if (position->topic == rebuild_topic_) {
        auto end = history_.end.find(position->partition);
        if (end != history_.end.end() && position->offset < end->second) {
          batch.drop(i);
          continue;
        }
      }
      // Counted live already: the source delivers a batch again. It still goes to the sinks.
      if (!counted_.first_count(*position)) continue;
      if (counted_.full() && !warned_partitions_) {
        warned_partitions_ = true;
        context_.log.warn("more than ", CountedOffsets::kMaxPartitions,
                          " Kafka partitions seen; events of further partitions are counted again if delivered again");
      }
    }
    // json_type() checks the text once per event (without a DOM); the websocket sink after us
    // reuses what it learnt.
    try {
      if (e.json_type() == JsonType::object) count(e, ms_of(e.received_at()));
    } catch (const EventError&) {
      // Not JSON: nothing to count, but the event still goes on to the dashboard.
    }
  }
}

void Aggregate::schedule() {
  timer_->expires_after(interval_);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    publish();
    schedule();
  });
}

// At most kStatsMaxBytes whatever the keys: the fixed part is measured first, then keys are
// added, largest count first, while they fit; `other` holds the rest, so perKey + other = total.
std::string Aggregate::stats_json() {
  std::lock_guard lock(mutex_);
  const std::int64_t now = now_ms();
  const std::int64_t now_s = now / 1000;
  const std::int64_t window_s = std::max<std::int64_t>(1, window_.count() / 1000);
  std::uint64_t in_window = 0;
  nlohmann::json series = nlohmann::json::array();
  for (std::int64_t s = now_s - kChartSeconds + 1; s <= now_s; ++s) {
    auto it = per_second_.find(s);
    const std::uint64_t n = it == per_second_.end() ? 0 : it->second;
    series.push_back({s * 1000, n});
    if (s > now_s - window_s) in_window += n;
  }
  nlohmann::json stats = {{"type", "stats"},
                          {"total", total_},
                          {"perKey", nlohmann::json::object()},
                          {"other", total_},  // as wide as it can get: `other` <= total
                          {"perSecond", static_cast<double>(in_window) / static_cast<double>(window_s)},
                          {"windowSeconds", window_s},
                          {"series", std::move(series)},
                          {"rebuilding", rebuilding_},
                          {"at", now}};
  const std::size_t fixed = dump(stats).size();
  std::size_t budget = kStatsMaxBytes > fixed ? kStatsMaxBytes - fixed : 0;
  nlohmann::json per_key = nlohmann::json::object();
  std::uint64_t shown = 0;
  for (auto& [key, n] : per_key_.ranked()) {
    // "key":n plus the comma before every member but the first.
    const std::size_t bytes = dump(key).size() + 1 + digits(n) + (per_key.empty() ? 0 : 1);
    if (bytes > budget) break;
    budget -= bytes;
    shown += n;
    per_key[std::move(key)] = n;
  }
  stats["perKey"] = std::move(per_key);
  stats["other"] = total_ - shown;
  return dump(stats);
}

void Aggregate::publish() {
  try {
    std::vector<Event> events;
    events.emplace_back(stats_json());
    events.back().meta().set(metadata_key::sluice_kind, "stats");
    (void)context_.inject(events);  // a full pipeline skips one update; the next one carries it all
  } catch (const std::exception& e) {
    // On the shared io thread: an exception here would end it. This update is skipped.
    context_.log.error("cannot build the stats event: ", e.what());
  }
}

}  // namespace sluice::clicks
