#pragma once
// The real broker for the kafka tests: started by the test command through scripts/kafka, stopped
// and started again by the tests that need a restart, and read back with a plain librdkafka
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

// scripts/kafka start|stop; fails the test when the script fails.
void broker(const std::string& action);

struct Message {
  std::string key;
  std::string value;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::map<std::string, std::string> headers;
};

// How many messages the topic holds, from its partitions' watermarks.
std::int64_t topic_size(const std::string& topic);

// Creates the topic (one partition) and writes `values` to it in order, waiting until the broker
// has them all. Bytes are written as given: a test can write what no sink would.
void produce(const std::string& topic, const std::vector<std::string>& values);

// The offset `group` has committed for partition 0 of `topic`; -1 when none.
std::int64_t committed_offset(const std::string& group, const std::string& topic);

// Every message in the topic, in partition order then offset order.
std::vector<Message> read_topic(const std::string& topic,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace sluice::test::kafka
