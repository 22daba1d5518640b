// The broker goes away and comes back: nothing the sink acknowledged is missing afterwards, the
// engine does not crash, says what is wrong, and delivers again by itself. The suite stops and
// starts a broker of its own (PrivateBroker), never the shared one the other tests use.

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

// Sends stderr (the engine's log) to a file that the test reads while the engine runs, which
// gtest's CaptureStderr cannot do.
class StderrFile {
 public:
  StderrFile() : path_(std::filesystem::temp_directory_path() / ("sluice-log-" + std::to_string(getpid()))) {
    std::fflush(stderr);
    saved_ = dup(2);
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
  }
  ~StderrFile() {
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    std::filesystem::remove(path_);
  }
  // Where the log ends now, for count(..., from).
  std::streamoff size() const { return static_cast<std::streamoff>(std::filesystem::file_size(path_)); }
  // Lines written so far, from byte `from` on, that contain every one of `parts`.
  std::size_t count(std::initializer_list<std::string_view> parts, std::streamoff from = 0) const {
    std::ifstream in(path_);
    in.seekg(from);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (auto p : parts) all = all && line.find(p) != std::string::npos;
      n += all;
    }
    return n;
  }
  std::string text() const {
    std::ifstream in(path_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

class KafkaBrokerDown : public ::testing::Test {
 protected:
  // One broker for the suite: starting one takes seconds (printed, to see what it costs).
  static void SetUpTestSuite() {
    broker_ = new kafka::PrivateBroker();
    std::cout << "private broker on " << broker_->address() << " started in " << broker_->start_time().count() << " ms"
              << std::endl;
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(broker_->running()) << "no private broker: see the suite's set-up"; }
  // Whatever happens in a test, the next one finds the broker running.
  void TearDown() override {
    if (!broker_->running()) broker_->start();
  }

  static std::string brokers() { return broker_->address(); }
  // A kafka component's block on this suite's broker.
  static std::string kafka_component(const std::string& options) {
    return "{type: kafka, brokers: [" + brokers() + "], " + options + "}";
  }

  static kafka::PrivateBroker* broker_;
};

kafka::PrivateBroker* KafkaBrokerDown::broker_ = nullptr;

TEST_F(KafkaBrokerDown, EveryAckedEventIsInTheTopicAfterABrokerRestart) {
  const std::string topic = kafka::unique_name("restart");
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    queue_capacity: 2000
    source: {type: scripted, name: src}
    sinks: [)" + kafka_component("topic: " + topic + ", message_timeout: 2m") +
                                               R"(]
)");
  Producer producer(source);
  ASSERT_TRUE(eventually([&] { return acks->answered() >= 3000; }, std::chrono::seconds(60)));
  broker_->stop();
  const std::size_t at_stop = acks->answered();
  broker_->start();
  ASSERT_TRUE(eventually([&] { return acks->answered() >= at_stop + 3000; }, std::chrono::seconds(120)))
      << "delivery resumes by itself once the broker is back";
  engine->request_stop();
  producer.join();
  ASSERT_EQ(engine->wait(), 0);

  std::vector<std::string> acked;
  {
    std::lock_guard lock(acks->mutex);
    acked = acks->acked_payloads;
  }
  std::set<std::string> in_topic;
  for (const auto& m : kafka::read_topic(topic, std::chrono::seconds(60), brokers())) in_topic.insert(m.value);
  std::size_t missing = 0;
  for (const auto& p : acked) missing += in_topic.count(p) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged events";
  EXPECT_GT(acked.size(), at_stop);
}

TEST_F(KafkaBrokerDown, UnreachableAtStartThenRecovers) {
  broker_->stop();
  const std::string topic = kafka::unique_name("late");
  testing::internal::CaptureStderr();
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [)" + kafka_component("topic: " + topic + ", message_timeout: 2m") +
                                               R"(]
  in:
    source: )" + kafka_component("topics: [" + topic + "], group: " + kafka::unique_name("group")) +
                                               R"(
    sinks: [{type: capture, name: in}]
)");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  // Nothing can be confirmed while the broker is away, and nothing is falsely confirmed.
  EXPECT_FALSE(acks->wait_for(1, std::chrono::seconds(2)));
  broker_->start();
  ASSERT_TRUE(acks->wait_for(10, std::chrono::seconds(90)));
  EXPECT_EQ(acks->acked_events, 10u);
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= 10; }, std::chrono::seconds(60)))
      << "the consumer started without a broker and reads once it is there";
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("Kafka: ")) << "the outage was reported";
  EXPECT_THAT(log, ::testing::HasSubstr("librdkafka keeps retrying"));
}

// README: while the broker is away each kafka component logs what is wrong once (a warning when
// the outage begins) and once that it recovered (info), however long the outage lasts and however
// often, in whatever words, librdkafka reports it meanwhile (those reports go to debug level).
TEST_F(KafkaBrokerDown, AnOutageIsLoggedOnceWhenItBeginsAndOnceWhenItEnds) {
  const std::string topic = kafka::unique_name("outage");
  StderrFile log;
  Logger::set_level(LogLevel::debug);  // to see the reports that are not written at warn level
  struct RestoreLevel {
    ~RestoreLevel() { Logger::set_level(LogLevel::info); }
  } restore;
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [)" + kafka_component("topic: " + topic + ", message_timeout: 2m") +
                                               R"(]
  in:
    source: )" + kafka_component("topics: [" + topic + "], group: " + kafka::unique_name("group")) +
                                               R"(
    sinks: [{type: capture, name: in}]
)");
  ASSERT_TRUE(source->emit({"before"}));
  ASSERT_TRUE(acks->wait_for(1, std::chrono::seconds(60)));
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= 1; }, std::chrono::seconds(60)));

  // Both work now. (The source may have logged a problem and its end before: its topic did not
  // exist until the sink's first event created it.)
  std::fflush(stderr);
  const std::streamoff outage = log.size();
  broker_->stop();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(source->emit({"during" + std::to_string(i)}));
  // Both components heard of the outage again and again, in different words ("Disconnected",
  // "1/1 brokers are down", "Connect to ... failed"): librdkafka's reports kept coming.
  const auto reports = [&](const char* scope) { return log.count({"DEBUG", scope, "] Kafka: "}, outage); };
  EXPECT_TRUE(eventually([&] { return reports("[out/sinks[0] kafka]") >= 3 && reports("[in/source kafka]") >= 3; },
                         std::chrono::seconds(60)))
      << log.text();
  broker_->start();
  ASSERT_TRUE(acks->wait_for(6, std::chrono::seconds(90)));
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= 6; }, std::chrono::seconds(90)));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(source->emit({"after" + std::to_string(i)}));
  ASSERT_TRUE(acks->wait_for(26, std::chrono::seconds(60)));
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= 26; }, std::chrono::seconds(60)));
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);

  for (const char* scope : {"[out/sinks[0] kafka]", "[in/source kafka]"}) {
    EXPECT_EQ(log.count({"WARN", scope, "] Kafka: "}, outage), 1u) << scope << " logs the outage once:\n" << log.text();
    EXPECT_EQ(log.count({"INFO", scope, "] Kafka: ", "recovered after"}, outage), 1u)
        << scope << " logs the recovery once:\n"
        << log.text();
  }
}

TEST_F(KafkaBrokerDown, ShutdownWithTheBrokerDownNacksWithinTheDeadline) {
  const std::string topic = kafka::unique_name("down-at-stop");
  {
    // Create the topic while the broker is there, so only delivery is left to fail.
    reset_test_components();
    ASSERT_EQ(make_engine("pipelines:\n  p:\n    source: {type: generator, count: 1}\n    sinks: [" +
                          kafka_component("topic: " + topic) + "]\n")
                  ->run(),
              0);
  }
  broker_->stop();
  auto [engine, source, acks] = start_scripted(R"(engine: {shutdown_timeout: 2s}
pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [)" + kafka_component("topic: " + topic + ", message_timeout: 5m") +
                                               R"(]
)");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  const auto stopped_at = std::chrono::steady_clock::now();
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "events were left undelivered: the exit code says so";
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(10))
      << "within the deadline, not message_timeout";
  ASSERT_TRUE(acks->wait_for(5, std::chrono::milliseconds(0))) << "every event got an answer";
  EXPECT_EQ(acks->failed_events, 5u);
  EXPECT_EQ(acks->acked_events, 0u);
}

}  // namespace
}  // namespace sluice::test
