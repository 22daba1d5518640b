#pragma once
// Components compiled into the test binary and registered as a built-in library, so tests can
// look inside them: a scripted source the test drives, sinks that capture, hold back or fail,
// transforms that reject, drop or throw. Each instance is found by its `name` option.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "plugins/plugin_registry.hpp"
#include "sluice/sdk.hpp"

namespace sluice::test {

// What a scripted source's emits were answered with.
struct AckLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<AckResult> results;  // one per emit, in the order they arrived
  std::size_t acked_events = 0;
  std::size_t failed_events = 0;
  std::vector<std::string> acked_payloads;  // every payload whose emit was acked

  void record(const AckResult& r, const std::vector<std::string>& payloads);
  // Waits until `emits` answers arrived; false on timeout.
  bool wait_for(std::size_t emits, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::size_t answered();
};

// `scripted` source: the test emits through it.
class ScriptedSource final : public Source {
 public:
  ScriptedSource(const Options& options, Context& context);
  ~ScriptedSource() override;
  void start(Emitter& out) override;
  void stop() override;

  // Emits payloads as one group; the answer lands in acks(). Returns what the Emitter returned.
  bool try_emit(const std::vector<std::string>& payloads);
  bool emit(const std::vector<std::string>& payloads);
  // Hands payloads straight to the dead-letter sink (Emitter::dead_letter), as a source giving up.
  bool dead_letter(const std::vector<std::string>& payloads, const std::string& component, const std::string& reason);
  // Ends the source as a finite source would.
  void close();
  AckLog& acks() { return *acks_; }
  bool stopped() const { return stopped_; }

 private:
  std::vector<Event> make(const std::vector<std::string>& payloads);
  AckFn ack_for(const std::vector<std::string>& payloads);

  std::string name_;
  StringMap meta_;
  std::shared_ptr<AckLog> acks_;
  Emitter* out_ = nullptr;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> closed_{false};
  const bool close_on_stop_;
  const bool requests_;
};

// What a capturing sink got: each payload and its metadata, in the order the sink was handed them.
struct Captured {
  std::vector<std::string> payloads;
  std::vector<std::map<std::string, std::string>> metadata;  // metadata[i] belongs to payloads[i]
};

// `capture` sink: records every payload. The sink's thread writes while the test reads, so the
// record is private and every accessor takes the lock: a test cannot read it unlocked.
class CaptureStore {
 public:
  void add(std::string payload, std::map<std::string, std::string> metadata);
  std::size_t size() const;
  std::vector<std::string> snapshot() const;  // the payloads, copied under the lock
  Captured captured() const;                  // payloads and metadata, copied under the lock
  // Runs `read` on the record under the lock and returns what it returns, as a value: for a
  // condition polled often over many payloads, where a copy each time would be wasteful.
  template <class Read>
  auto read(Read read) const -> std::decay_t<std::invoke_result_t<Read, const Captured&>> {
    std::lock_guard lock(mutex_);
    return read(captured_);
  }

 private:
  mutable std::mutex mutex_;
  Captured captured_;
};

// `gate` sink: confirms batches until `pass` events went through, then holds every delivery until
// the test opens the gate; then confirms all. Its state is private, like CaptureStore's.
class Gate {
 public:
  // The sink's write: confirms `done` at once or holds it.
  void write(const Batch& batch, Delivery done, std::size_t pass);
  // The sink's destructor: what is still held, to fail outside the lock.
  std::vector<Delivery> take_held();
  void release_all();  // opens the gate: confirms what is held and everything after
  std::size_t held_batches() const;
  std::vector<std::string> payloads() const;   // every payload the sink was handed
  std::vector<std::string> confirmed() const;  // payloads of the batches it confirmed
  std::size_t writes() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Delivery> held_;
  std::vector<std::string> payloads_;
  std::vector<std::string> confirmed_;
  bool open_ = false;
  std::size_t writes_ = 0;
};

// The `thread_tag` transform's mark for a thread: compare it with the metadata entry "thread".
std::string thread_tag_of(std::thread::id id);

// Find a test component's shared state by its `name` option. Created on first use.
ScriptedSource* scripted_source(const std::string& name);  // nullptr when none is alive
// Outlives its source, so tests read the answers after the engine tore the source down.
std::shared_ptr<AckLog> ack_log(const std::string& name);
std::shared_ptr<CaptureStore> capture_store(const std::string& name);
std::shared_ptr<Gate> gate(const std::string& name);
void reset_test_components();
// What the `lifecycle` transforms did, in order: "construct", "start", "process",
// "stop io=stopped|running", "destroy io=stopped|running" (whether the shared io_context was
// stopped at that moment).
std::vector<std::string> lifecycle_journal();
// Lets every `lifecycle` transform with `hold_start: true` return from start().
void release_lifecycle_starts();

// The test library as a manifest: scripted source; capture, gate, fail sinks; reject, drop-odd,
// throw transforms.
std::shared_ptr<plugins::PluginLibrary> test_library();

// A registry with the test library and the plugins this build made.
plugins::PluginRegistry& test_registry();

}  // namespace sluice::test
