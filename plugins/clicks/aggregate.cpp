#include "aggregate.hpp"

#include <nlohmann/json.hpp>

namespace sluice::clicks {

OptionTable aggregate_options() {
  OptionTable t;
  t.add("key", OptionType::string, "JSON field whose value the totals are kept per").default_to("page");
  t.add("time_field", OptionType::string, "JSON field with the event's time in Unix ms; the receive time when absent")
      .default_to("receivedAt");
  t.add("window", OptionType::duration, "Sliding window of the events-per-second figure").default_to("10s").at_least(1000);
  t.add("interval", OptionType::duration, "How often a stats event is emitted").default_to("1s").at_least(50);
  t.add("rebuild_topic", OptionType::string, "Kafka topic to rebuild the totals from at start; empty keeps totals in memory only")
      .default_to("").example("clicks");
  t.add("rebuild_brokers", OptionType::string_list, "Kafka bootstrap servers for rebuild_topic").default_to("127.0.0.1:9092");
  return t;
}

namespace {
constexpr std::int64_t kChartSeconds = 60;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// The key and time of one click; false when it is not a JSON object.
bool key_and_time(const nlohmann::json& doc, const std::string& key_field, const std::string& time_field,
                  std::string& key, std::int64_t& at) {
  if (!doc.is_object()) return false;
  auto k = doc.find(key_field);
  key = k == doc.end() ? "(none)" : k->is_string() ? k->get<std::string>() : k->dump();
  auto t = doc.find(time_field);
  if (t != doc.end() && t->is_number()) at = t->get<std::int64_t>();
  return true;
}
}  // namespace

Aggregate::Aggregate(const Options& o, Context& context)
    : context_(context),
      key_field_(o.get_string("key")),
      time_field_(o.get_string("time_field")),
      window_(o.get_duration("window")),
      interval_(o.get_duration("interval")) {
  const std::string topic = o.get_string("rebuild_topic");
  if (!topic.empty()) {
    const auto brokers = o.get_list("rebuild_brokers");
    history_ = topic_end(brokers, topic, std::chrono::seconds(3));
    if (!history_.error.empty()) {
      context.log.warn("cannot read where topic '", topic, "' ends (", history_.error,
                       "); totals start from zero this time");
      history_.end.clear();
    } else if (!history_.end.empty()) {
      rebuilding_ = true;
      rebuilder_ = std::thread([this, brokers, topic] {
        std::uint64_t n = 0;
        const auto error = read_history(
            brokers, topic, history_,
            [&](std::string_view payload) {
              std::string key;
              std::int64_t at = 0;
              if (key_and_time(nlohmann::json::parse(payload, nullptr, false), key_field_, time_field_, key, at)) {
                count(key, at);
                ++n;
              }
            },
            [this] { return stopping_.load(); });
        {
          std::lock_guard lock(mutex_);
          rebuilding_ = false;
        }
        if (error.empty()) {
          context_.log.info("totals rebuilt from ", n, " events of topic '", topic, "'");
        } else {
          context_.log.warn("rebuilding totals from topic '", topic, "' stopped after ", n, " events: ", error);
        }
      });
    }
  }
  if (context.io != nullptr && context.inject) {
    timer_ = std::make_unique<boost::asio::steady_timer>(*context.io);
    schedule();
  }
}

Aggregate::~Aggregate() {
  stopping_ = true;
  if (rebuilder_.joinable()) rebuilder_.join();
  if (timer_) timer_->cancel();
}

void Aggregate::count(std::string_view key, std::int64_t at_ms) {
  std::lock_guard lock(mutex_);
  ++total_;
  ++per_key_[std::string(key)];
  ++per_second_[at_ms / 1000];
}

void Aggregate::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    if (const std::string* kind = e.meta().find("sluice.kind"); kind && *kind == "stats") continue;
    // Counted by the rebuild already: an older event the source hands over again.
    if (const std::string* part = e.meta().find("kafka.partition")) {
      auto end = history_.end.find(std::stoi(*part));
      const std::string* offset = e.meta().find("kafka.offset");
      if (end != history_.end.end() && offset && std::stoll(*offset) < end->second) {
        batch.drop(i);
        continue;
      }
    }
    std::string key;
    std::int64_t at =
        std::chrono::duration_cast<std::chrono::milliseconds>(e.received_at().time_since_epoch()).count();
    // Event::json() parses once per event; the websocket sink after us reuses the parsed document.
    try {
      if (key_and_time(e.json(), key_field_, time_field_, key, at)) count(key, at);
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

std::string Aggregate::stats_json() {
  std::lock_guard lock(mutex_);
  const std::int64_t now_s = now_ms() / 1000;
  while (!per_second_.empty() && per_second_.begin()->first < now_s - kChartSeconds) per_second_.erase(per_second_.begin());
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
                          {"perKey", per_key_},
                          {"perSecond", static_cast<double>(in_window) / static_cast<double>(window_s)},
                          {"windowSeconds", window_s},
                          {"series", std::move(series)},
                          {"rebuilding", rebuilding_},
                          {"at", now_ms()}};
  return stats.dump();
}

void Aggregate::publish() {
  std::vector<Event> events;
  events.emplace_back(stats_json());
  events.back().meta().set("sluice.kind", "stats");
  (void)context_.inject(events);  // a full pipeline skips one update; the next one carries it all
}

}  // namespace sluice::clicks
