// The kafka sink has no thread of its own: its delivery reports are served on the engine's I/O
// threads (librdkafka wakes them when it queues a report), yet every event is still acked.

#include <dirent.h>

#include <fstream>

#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"

namespace sluice::test {
namespace {

// Threads of this process that are not librdkafka's (it names its own "rdk:...").
int threads_not_librdkafka() {
  int count = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind("rdk:", 0) != 0) ++count;
  }
  closedir(dir);
  return count;
}

// The same pipeline with a capture sink, then with a kafka sink (which creates its topic): the same
// number of threads outside librdkafka, once an event has been acked.
int threads_once_acked(const std::string& sink) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [)" + sink + R"(]
)");
  EXPECT_TRUE(source->emit({R"({"n":1})"}));
  EXPECT_TRUE(acks->wait_for(1, std::chrono::seconds(30)));
  EXPECT_EQ(acks->acked_events, 1u);
  const int threads = threads_not_librdkafka();
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
  return threads;
}

TEST(KafkaSinkThreads, DeliveryReportsNeedNoPollThreadAndStillAck) {
  const int with_capture = threads_once_acked("{type: capture, name: out}");
  const int with_kafka = threads_once_acked("{type: kafka, topic: " + kafka::unique_name("threads") + "}");
  ASSERT_GT(with_capture, 0);
  EXPECT_EQ(with_kafka, with_capture) << "the kafka sink started a thread of its own besides librdkafka's";
}

}  // namespace
}  // namespace sluice::test
