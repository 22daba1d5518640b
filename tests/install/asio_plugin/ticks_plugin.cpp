// `ticks` source: emits {"tick":N} every 10 ms on the engine's shared io_context (Context::io),
// `count` times, then closes. It exists to show that a plugin built out of tree against the
// installed SDK shares the engine's Asio: its timers run on the engine's threads.

#include "sluice/asio.hpp"
#include "sluice/sdk.hpp"

namespace {

class Ticks final : public sluice::Source {
 public:
  Ticks(const sluice::Options& options, sluice::Context& context)
      : count_(options.get_int("count")), strand_(boost::asio::make_strand(*context.io)), timer_(strand_) {}

  void start(sluice::Emitter& out) override {
    out_ = &out;
    boost::asio::post(strand_, [this] { schedule(); });
  }
  void stop() override {
    boost::asio::post(strand_, [this] { finish(); });
  }

 private:
  void schedule() {
    if (closed_) return;
    if (sent_ >= count_) return finish();
    timer_.expires_after(std::chrono::milliseconds(10));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || closed_) return;
      std::vector<sluice::Event> events;
      events.emplace_back("{\"tick\":" + std::to_string(sent_ + 1) + "}");
      sluice::AckFn on_ack = [](const sluice::AckResult&) {};
      if (out_->try_emit(events, on_ack)) ++sent_;  // a full queue: the next tick tries again
      schedule();
    });
  }
  void finish() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    out_->close();
  }

  const std::int64_t count_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  sluice::Emitter* out_ = nullptr;
  std::int64_t sent_ = 0;  // on the strand
  bool closed_ = false;    // on the strand
};

}  // namespace

SLUICE_PLUGIN("ticks", "A test source on the engine's io_context") {
  sluice::OptionTable options;
  options.add("count", sluice::OptionType::integer, "Ticks before the source closes").default_to("5").at_least(1);
  manifest.add(sluice::source_component<Ticks>("ticks", "Emits a tick every 10 ms on Context::io.", options));
}
