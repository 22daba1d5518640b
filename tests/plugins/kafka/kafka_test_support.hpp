#pragma once
// The real broker for the kafka tests: the shared one on 127.0.0.1:9092, started by the test
// command through scripts/kafka and never stopped by a test; a private one (PrivateBroker) for
// the tests that stop and start their broker. Topics are read back with a plain librdkafka
// consumer that shares no code with the plugin under test.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sluice::test::kafka {

inline constexpr const char* kBrokers = "127.0.0.1:9092";

// A topic or group name no other test (or earlier run) used.
std::string unique_name(const std::string& prefix);

// A broker of its own, run by scripts/kafka (SLUICE_KAFKA_PORT, SLUICE_KAFKA_CACHE) on free ports
// in a fresh folder, with the jars the shared broker uses. Made once per test suite: starting a
// broker takes seconds. Stopped and its folder removed when destroyed; if the test process dies
// first, scripts/kafka stops it (SLUICE_KAFKA_STOP_WITH).
class PrivateBroker {
 public:
  PrivateBroker();  // adds a test failure when no broker could be started: check running()
  ~PrivateBroker();
  PrivateBroker(const PrivateBroker&) = delete;
  PrivateBroker& operator=(const PrivateBroker&) = delete;

  // scripts/kafka start|stop for this broker; fails the test when the script fails.
  void start();
  void stop();
  bool running() const { return running_; }
  // "127.0.0.1:PORT", for `brokers:` and the helpers below.
  const std::string& address() const { return address_; }
  // How long the last start took (printed by the suite: start-up time on a busy machine).
  std::chrono::milliseconds start_time() const { return start_time_; }

 private:
  bool run_script(const std::string& action, std::string& output);

  std::string dir_;
  std::string address_;
  std::map<std::string, std::string> env_;
  bool running_ = false;
  std::chrono::milliseconds start_time_{0};
};

struct Message {
  std::string key;
  std::string value;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::map<std::string, std::string> headers;
};

// How many messages the topic holds, from its partitions' watermarks.
std::int64_t topic_size(const std::string& topic, const std::string& brokers = kBrokers);

// Whether the cluster knows the topic (a metadata request naming it).
bool topic_exists(const std::string& topic, const std::string& brokers = kBrokers);

// Creates the topic (one partition) and writes `values` to it in order, waiting until the broker
// has them all. Bytes are written as given: a test can write what no sink would.
void produce(const std::string& topic, const std::vector<std::string>& values, const std::string& brokers = kBrokers);

// The offset `group` has committed for partition 0 of `topic`; -1 when none.
std::int64_t committed_offset(const std::string& group, const std::string& topic,
                              const std::string& brokers = kBrokers);

// Every message in the topic, in partition order then offset order.
std::vector<Message> read_topic(const std::string& topic, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                                const std::string& brokers = kBrokers);

}  // namespace sluice::test::kafka
