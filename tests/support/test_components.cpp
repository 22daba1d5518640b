#include "test_components.hpp"
#include "sluice/asio.hpp"  // first: see the header

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "wait.hpp"

namespace sluice::test {

std::string thread_tag_of(std::thread::id id) {
  std::ostringstream out;
  out << id;
  return out.str();
}

void AckLog::record(const AckResult& r, const std::vector<std::string>& payloads) {
  {
    std::lock_guard lock(mutex);
    results.push_back(r);
    (r.ok ? acked_events : failed_events) += payloads.size();
    if (r.ok) acked_payloads.insert(acked_payloads.end(), payloads.begin(), payloads.end());
  }
  changed.notify_all();
}

bool AckLog::wait_for(std::size_t emits, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex);
  return changed.wait_for(lock, timeout, [&] { return results.size() >= emits; });
}

std::size_t AckLog::answered() {
  std::lock_guard lock(mutex);
  return results.size();
}

void CaptureStore::add(std::string payload, std::map<std::string, std::string> metadata) {
  std::lock_guard lock(mutex_);
  captured_.payloads.push_back(std::move(payload));
  captured_.metadata.push_back(std::move(metadata));
}

std::size_t CaptureStore::size() const {
  std::lock_guard lock(mutex_);
  return captured_.payloads.size();
}

std::vector<std::string> CaptureStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return captured_.payloads;
}

Captured CaptureStore::captured() const {
  std::lock_guard lock(mutex_);
  return captured_;
}

void Gate::write(const Batch& batch, Delivery done, std::size_t pass) {
  std::unique_lock lock(mutex_);
  ++writes_;
  for (const auto& e : batch) payloads_.emplace_back(e.payload());
  if (open_ || confirmed_.size() < pass) {
    for (const auto& e : batch) confirmed_.emplace_back(e.payload());
    lock.unlock();
    done.complete();
    return;
  }
  held_.push_back(std::move(done));
}

std::vector<Delivery> Gate::take_held() {
  std::lock_guard lock(mutex_);
  return std::exchange(held_, {});
}

void Gate::release_all() {
  std::vector<Delivery> to_confirm;
  {
    std::lock_guard lock(mutex_);
    open_ = true;
    to_confirm = std::exchange(held_, {});
  }
  for (auto& d : to_confirm) d.complete();
}

std::size_t Gate::held_batches() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

std::vector<std::string> Gate::payloads() const {
  std::lock_guard lock(mutex_);
  return payloads_;
}

std::vector<std::string> Gate::confirmed() const {
  std::lock_guard lock(mutex_);
  return confirmed_;
}

std::size_t Gate::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

namespace {

std::mutex g_mutex;
std::map<std::string, ScriptedSource*> g_sources;
std::map<std::string, std::shared_ptr<CaptureStore>> g_captures;
std::map<std::string, std::shared_ptr<Gate>> g_gates;
std::map<std::string, std::shared_ptr<AckLog>> g_ack_logs;

template <class T>
std::shared_ptr<T> named(std::map<std::string, std::shared_ptr<T>>& map, const std::string& name) {
  std::lock_guard lock(g_mutex);
  auto& slot = map[name];
  if (!slot) slot = std::make_shared<T>();
  return slot;
}

OptionTable name_only() {
  OptionTable t;
  t.add("name", OptionType::string, "Name the test uses to find this instance").required();
  return t;
}

class CaptureSink final : public Sink {
 public:
  CaptureSink(const Options& o, Context&) : store_(capture_store(o.get_string("name"))) {}
  void write(std::shared_ptr<const Batch> batch, Delivery done) override {
    for (const auto& e : *batch) {
      std::map<std::string, std::string> meta;
      for (const auto& [k, v] : e.meta()) meta[k] = v;
      store_->add(std::string(e.payload()), std::move(meta));
    }
    done.complete();
  }

 private:
  std::shared_ptr<CaptureStore> store_;
};

class GateSink final : public Sink {
 public:
  GateSink(const Options& o, Context&)
      : gate_(gate(o.get_string("name"))), pass_(static_cast<std::size_t>(o.get_int("pass"))) {}
  // Like any sink, what it still holds fails when it is destroyed.
  ~GateSink() override { (void)gate_->take_held(); }
  void write(std::shared_ptr<const Batch> batch, Delivery done) override {
    gate_->write(*batch, std::move(done), pass_);
  }

 private:
  std::shared_ptr<Gate> gate_;
  const std::size_t pass_;
};

class FailSink final : public Sink {
 public:
  FailSink(const Options& o, Context&)
      : reason_(o.get_string("reason")),
        only_index_(o.get_int("only_index")),
        marker_(o.get_string("marker")),
        permanent_(o.get_bool("permanent")),
        store_(o.get_string("name").empty() ? nullptr : capture_store(o.get_string("name"))) {}
  void write(std::shared_ptr<const Batch> batch, Delivery done) override {
    if (!marker_.empty()) {
      // Fails the marked events, records and accepts the others.
      for (std::size_t i = 0; i < batch->size(); ++i) {
        const Event& e = (*batch)[i];
        if (e.payload().find(marker_) != std::string_view::npos) {
          permanent_ ? done.reject_event(i, reason_) : done.fail_event(i, reason_);
        } else if (store_) {
          store_->add(std::string(e.payload()), {});
        }
      }
      done.complete();
      return;
    }
    if (only_index_ < 0) {
      done.fail(reason_);
      return;
    }
    const auto i = static_cast<std::size_t>(only_index_);
    permanent_ ? done.reject_event(i, reason_) : done.fail_event(i, reason_);
    done.complete();
  }

 private:
  std::string reason_;
  std::int64_t only_index_;
  std::string marker_;
  bool permanent_;
  std::shared_ptr<CaptureStore> store_;
};

class BrokenSink final : public Sink {
 public:
  BrokenSink(const Options&, Context&) {}
  void start() override { throw std::runtime_error("cannot reach the database"); }
  void write(std::shared_ptr<const Batch>, Delivery done) override { done.complete(); }
};

class MarkerTransform : public Transform {
 public:
  MarkerTransform(const Options& o, Context&) : marker_(o.get_string("marker")) {}

 protected:
  bool marked(const Event& e) const { return e.payload().find(marker_) != std::string_view::npos; }
  std::string marker_;
};

class RejectTransform final : public MarkerTransform {
 public:
  using MarkerTransform::MarkerTransform;
  void process(Batch& batch) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (marked(batch[i])) batch.reject(i, "payload contains '" + marker_ + "'");
    }
  }
};

class DropTransform final : public MarkerTransform {
 public:
  using MarkerTransform::MarkerTransform;
  void process(Batch& batch) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (marked(batch[i])) batch.drop(i);
    }
  }
};

class ThrowTransform final : public Transform {
 public:
  ThrowTransform(const Options&, Context&) {}
  void process(Batch&) override { throw std::runtime_error("transform exploded"); }
};

class EditTransform final : public Transform {
 public:
  EditTransform(const Options&, Context&) {}
  void process(Batch& batch) override {
    for (auto& e : batch) e.mutable_json()["edited"] = true;
  }
};

// Marks each event with the thread that ran the transforms (thread_tag_of), so a test can tell
// whether its own emit ran them or the pipeline thread did.
class ThreadTagTransform final : public Transform {
 public:
  ThreadTagTransform(const Options&, Context&) {}
  void process(Batch& batch) override {
    for (auto& e : batch) e.meta().set("thread", thread_tag_of(std::this_thread::get_id()));
  }
};

std::mutex g_journal_mutex;
std::vector<std::string> g_journal;
void journal(std::string what) {
  std::lock_guard lock(g_journal_mutex);
  g_journal.push_back(std::move(what));
}
// `hold_start: true` lifecycle transforms wait in start() until release_lifecycle_starts().
std::mutex g_hold_mutex;
std::condition_variable g_hold_changed;
bool g_hold_released = false;

// Journals its calls (lifecycle_journal). From start() until it is destroyed it keeps a timer
// ticking every millisecond on the shared io_context, whose handler touches `this`: were a handler
// run after stop() or after the destructor, the journal (and, under ASan, a use after free)
// would show it. `fail_start: true` makes start() throw; `hold_start: true` makes it wait until
// the test calls release_lifecycle_starts(), as a start() waiting for a slow broker would.
class LifecycleTransform final : public Transform {
 public:
  LifecycleTransform(const Options& o, Context& context)
      : context_(context), fail_start_(o.get_bool("fail_start")), hold_start_(o.get_bool("hold_start")) {
    journal("construct");
  }
  ~LifecycleTransform() override { journal(std::string("destroy io=") + io_state()); }
  void start() override {
    journal("start");
    if (hold_start_) {
      std::unique_lock lock(g_hold_mutex);
      g_hold_changed.wait(lock, [] { return g_hold_released; });
    }
    if (fail_start_) throw std::runtime_error("cannot start");
    timer_ = std::make_unique<boost::asio::steady_timer>(*context_.io);
    tick();
  }
  void stop() override {
    journal(std::string("stop io=") + io_state());
    stopped_ = true;
  }
  void process(Batch&) override { journal("process"); }

 private:
  const char* io_state() const { return context_.io->stopped() ? "stopped" : "running"; }
  void tick() {
    timer_->expires_after(std::chrono::milliseconds(1));
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (stopped_) journal("tick after stop");
      ++ticks_;
      tick();
    });
  }
  Context& context_;
  const bool fail_start_;
  const bool hold_start_;
  std::atomic<bool> stopped_{false};
  std::uint64_t ticks_ = 0;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

// Writes bytes that are not UTF-8 into marked events, as a transform copying a raw header would.
class NotUtf8Transform final : public MarkerTransform {
 public:
  using MarkerTransform::MarkerTransform;
  void process(Batch& batch) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (marked(batch[i])) batch[i].mutable_json()["raw"] = std::string("\xff\xfe");
    }
  }
};

OptionTable marker_options() {
  OptionTable t;
  t.add("marker", OptionType::string, "Text that selects an event").default_to("bad");
  return t;
}

}  // namespace

ScriptedSource* scripted_source(const std::string& name) {
  std::lock_guard lock(g_mutex);
  auto it = g_sources.find(name);
  return it == g_sources.end() ? nullptr : it->second;
}
std::shared_ptr<CaptureStore> capture_store(const std::string& name) { return named(g_captures, name); }
std::shared_ptr<Gate> gate(const std::string& name) { return named(g_gates, name); }
std::shared_ptr<AckLog> ack_log(const std::string& name) { return named(g_ack_logs, name); }

std::vector<std::string> lifecycle_journal() {
  std::lock_guard lock(g_journal_mutex);
  return g_journal;
}

void release_lifecycle_starts() {
  {
    std::lock_guard lock(g_hold_mutex);
    g_hold_released = true;
  }
  g_hold_changed.notify_all();
}

void reset_test_components() {
  {
    std::lock_guard lock(g_journal_mutex);
    g_journal.clear();
  }
  {
    std::lock_guard lock(g_hold_mutex);
    g_hold_released = false;
  }
  std::lock_guard lock(g_mutex);
  g_captures.clear();
  g_gates.clear();
  g_ack_logs.clear();
}

ScriptedSource::ScriptedSource(const Options& o, Context&)
    : name_(o.get_string("name")),
      meta_(o.get_map("meta")),
      acks_(ack_log(name_)),
      close_on_stop_(o.get_bool("close_on_stop")),
      requests_(o.get_bool("requests")) {
  std::lock_guard lock(g_mutex);
  g_sources[name_] = this;
}

ScriptedSource::~ScriptedSource() {
  std::lock_guard lock(g_mutex);
  if (g_sources[name_] == this) g_sources.erase(name_);
}

void ScriptedSource::start(Emitter& out) {
  if (requests_) out.treat_emits_as_requests();
  out_ = &out;
}

void ScriptedSource::stop() {
  stopped_ = true;
  if (close_on_stop_) close();
}

void ScriptedSource::close() {
  if (!closed_.exchange(true) && out_) out_->close();
}

std::vector<Event> ScriptedSource::make(const std::vector<std::string>& payloads) {
  std::vector<Event> events;
  for (const auto& p : payloads) {
    events.emplace_back(p);
    for (const auto& [k, v] : meta_) events.back().meta().set(k, v);
  }
  return events;
}

AckFn ScriptedSource::ack_for(const std::vector<std::string>& payloads) {
  auto log = acks_;
  return [log, payloads](const AckResult& r) { log->record(r, payloads); };
}

bool ScriptedSource::try_emit(const std::vector<std::string>& payloads) {
  auto events = make(payloads);
  auto ack = ack_for(payloads);
  return out_->try_emit(events, ack);
}

bool ScriptedSource::dead_letter(const std::vector<std::string>& payloads, const std::string& component,
                                 const std::string& reason) {
  auto events = make(payloads);
  auto ack = ack_for(payloads);
  return out_->dead_letter(events, component, reason, ack);
}

bool ScriptedSource::emit(const std::vector<std::string>& payloads) {
  auto events = make(payloads);
  auto ack = ack_for(payloads);
  return out_->emit(events, ack);
}

std::shared_ptr<plugins::PluginLibrary> test_library() {
  PluginManifest m;
  OptionTable scripted = name_only();
  scripted.add("close_on_stop", OptionType::boolean, "Close at stop(), as a normal source does").default_to("true");
  scripted.add("meta", OptionType::string_map, "Metadata set on every event").default_to("");
  scripted.add("requests", OptionType::boolean, "Each emit is a request (Emitter::treat_emits_as_requests)")
      .default_to("false");
  m.add(source_component<ScriptedSource>("scripted", "Test-driven source.", scripted));
  m.add(sink_component<CaptureSink>("capture", "Records payloads.", name_only()));
  OptionTable gate_options = name_only();
  gate_options.add("pass", OptionType::integer, "Events confirmed before the gate closes").default_to("0");
  m.add(sink_component<GateSink>("gate", "Holds deliveries until released.", gate_options));
  OptionTable fail;
  fail.add("reason", OptionType::string, "Failure reason").default_to("boom");
  fail.add("only_index", OptionType::integer, "Fail only this event of each batch; -1 fails all").default_to("-1");
  fail.add("marker", OptionType::string, "Fail only events containing this text, accept the others").default_to("");
  fail.add("permanent", OptionType::boolean, "Refuse for good (Delivery::reject_event)").default_to("false");
  fail.add("name", OptionType::string, "With marker: capture store for the accepted events").default_to("");
  m.add(sink_component<FailSink>("fail", "Fails deliveries.", fail));
  m.add(sink_component<BrokenSink>("broken", "Fails to start.", OptionTable{}));
  m.add(transform_component<RejectTransform>("reject", "Rejects marked events.", marker_options()));
  m.add(transform_component<DropTransform>("drop_marked", "Drops marked events.", marker_options()));
  m.add(transform_component<ThrowTransform>("explode", "Throws.", OptionTable{}));
  {
    OptionTable lifecycle;
    lifecycle.add("fail_start", OptionType::boolean, "start() throws").default_to("false");
    lifecycle.add("hold_start", OptionType::boolean, "start() waits for release_lifecycle_starts()")
        .default_to("false");
    m.add(
        transform_component<LifecycleTransform>("lifecycle", "Journals start, process, stop and destroy.", lifecycle));
  }
  m.add(transform_component<EditTransform>("edit", "Sets edited=true in the JSON.", OptionTable{}));
  m.add(transform_component<ThreadTagTransform>("thread_tag", "Sets metadata 'thread' to the running thread.",
                                                OptionTable{}));
  m.add(transform_component<NotUtf8Transform>("not_utf8", "Puts bytes that are not UTF-8 into marked events.",
                                              marker_options()));
  return plugins::PluginLibrary::builtin("test", "components for tests", std::move(m));
}

plugins::PluginRegistry& test_registry() {
  static plugins::PluginRegistry registry = [] {
    plugins::PluginRegistry r;
    r.add(test_library());
    r.scan({SLUICE_TEST_PLUGIN_DIR});
    return r;
  }();
  return registry;
}

}  // namespace sluice::test
