#include "generator_source.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::generator {

OptionTable generator_options() {
  OptionTable t;
  t.add("rate", OptionType::floating, "Events per second; 0 means as fast as the pipeline takes them")
      .default_to("0")
      .at_least(0)
      .example("1000");
  t.add("count", OptionType::integer, "Events to make before the source closes; 0 means until the engine stops")
      .default_to("0")
      .at_least(0)
      .example("10000");
  t.add("payload", OptionType::string,
        "Payload template; {{seq}} becomes the event's sequence number (from 1), {{timestamp_ms}} the Unix time "
        "in milliseconds")
      .default_to(R"({"seq":{{seq}}})")
      .example(R"({"page":"demo","clickNumber":{{seq}}})");
  t.add("batch_size", OptionType::integer,
        "Events handed to the pipeline at once; with a rate, batches are also kept to about 10 ms of events")
      .default_to("100")
      .at_least(1)
      .at_most(100000)
      .example("500");
  return t;
}

void GeneratorSource::validate(const Options& options, ValidationContext& check) {
  check.attempt([&] { (void)PayloadTemplate(options.get_string("payload")); });
}

GeneratorSource::GeneratorSource(const Options& options, Context& context)
    : context_(context),
      rate_(options.get_float("rate")),
      count_(static_cast<std::uint64_t>(options.get_int("count"))),
      batch_size_(static_cast<std::size_t>(options.get_int("batch_size"))),
      payload_(options.get_string("payload")) {}

GeneratorSource::~GeneratorSource() {
  stop();
  if (thread_.joinable()) thread_.join();
  context_.log.info("made ", emitted_.load(), " events: ", acked_.load(), " acknowledged, ", failed_.load(), " failed");
}

void GeneratorSource::start(Emitter& out) {
  thread_ = std::thread([this, &out] { run(out); });
}

void GeneratorSource::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
}

bool GeneratorSource::pace(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  return !stop_requested_.wait_until(lock, until, [&] { return stopping_; });
}

void GeneratorSource::on_ack(const AckResult& result, std::size_t events) {
  if (result.ok) {
    acked_.fetch_add(events, std::memory_order_relaxed);
    return;
  }
  // Log the first failures in full; after that the totals at shutdown tell the story.
  if (failed_.fetch_add(events, std::memory_order_relaxed) < 5 * batch_size_) {
    context_.log.warn(events, " events failed: ", result.reason);
  }
}

void GeneratorSource::run(Emitter& out) {
  using clock = std::chrono::steady_clock;
  // With a rate, a batch holds about 10 ms of events so the pace stays smooth.
  std::size_t per_batch = batch_size_;
  if (rate_ > 0) per_batch = std::clamp<std::size_t>(static_cast<std::size_t>(rate_ / 100), 1, batch_size_);
  const auto started = clock::now();
  std::uint64_t seq = 0;
  std::vector<Event> events;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (count_ != 0 && seq >= count_) break;
    const std::size_t n = count_ == 0 ? per_batch : std::min<std::uint64_t>(per_batch, count_ - seq);
    const auto now = Clock::now();
    const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    events.reserve(n);
    for (std::size_t i = 0; i < n; ++i) events.emplace_back(payload_.render(seq + i + 1, ts), now);
    AckFn ack = [this, n](const AckResult& r) { on_ack(r, n); };
    if (!out.emit(events, ack)) break;  // the pipeline is being torn down
    seq += n;
    emitted_.fetch_add(n, std::memory_order_relaxed);
    if (rate_ > 0) {
      const auto due =
          started + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seq / rate_));
      if (!pace(due)) break;
    }
  }
  out.close();
}

}  // namespace sluice::generator
