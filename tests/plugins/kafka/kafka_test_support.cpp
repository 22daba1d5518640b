#include "kafka_test_support.hpp"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "subprocess.hpp"
#include "topic_creator.hpp"

namespace sluice::test::kafka {
namespace {

struct Client {
  explicit Client(rd_kafka_type_t type, const std::string& brokers, const std::string& group = "") {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
    if (!group.empty()) {
      rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
      rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    }
    rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) throw std::runtime_error(err);
    if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  }
  ~Client() {
    if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
  rd_kafka_t* rk;
};

}  // namespace

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

namespace {

// Two ports free at the same moment (both held while the second is found, so they differ).
std::pair<int, int> two_free_ports() {
  int fds[2];
  int ports[2];
  for (int i = 0; i < 2; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fds[i] < 0 || bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot find a free port");
    }
    ports[i] = ntohs(addr.sin_port);
  }
  close(fds[0]);
  close(fds[1]);
  return {ports[0], ports[1]};
}

}  // namespace

PrivateBroker::PrivateBroker() {
  char dir[] = "/tmp/sluice-kafka-XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir;
  // A port found free can be taken by another process before the broker binds it: then the
  // broker exits during start-up, and another pair of ports is tried.
  std::string output;
  for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
    const auto [port, controller] = two_free_ports();
    address_ = "127.0.0.1:" + std::to_string(port);
    env_ = {{"SLUICE_KAFKA_PORT", std::to_string(port)},
            {"SLUICE_KAFKA_CONTROLLER_PORT", std::to_string(controller)},
            {"SLUICE_KAFKA_CACHE", dir_ + "/kafka"},
            {"SLUICE_KAFKA_HEAP", "256m"},
            {"SLUICE_KAFKA_STOP_WITH", std::to_string(getpid())}};
    const auto began = std::chrono::steady_clock::now();
    running_ = run_script("start", output);
    start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    if (!running_) {
      std::string ignored;
      run_script("stop", ignored);
      std::filesystem::remove_all(dir_ + "/kafka");
    }
  }
  if (!running_) ADD_FAILURE() << "could not start a private broker:\n" << output;
}

PrivateBroker::~PrivateBroker() {
  std::string output;
  if (!run_script("stop", output)) ADD_FAILURE() << "could not stop the private broker:\n" << output;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool PrivateBroker::run_script(const std::string& action, std::string& output) {
  Subprocess script({"/bin/bash", SLUICE_TEST_SOURCE_DIR "/scripts/kafka", action}, env_);
  // scripts/kafka waits up to 120 s for an answer and 60 s for a clean stop.
  const int code = script.wait(std::chrono::seconds(180));
  output = script.out() + script.err();
  return code == 0;
}

void PrivateBroker::start() {
  std::string output;
  const auto began = std::chrono::steady_clock::now();
  running_ = run_script("start", output);
  start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  ASSERT_TRUE(running_) << "scripts/kafka start failed for the private broker:\n" << output;
}

void PrivateBroker::stop() {
  std::string output;
  ASSERT_TRUE(run_script("stop", output)) << "scripts/kafka stop failed for the private broker:\n" << output;
  running_ = false;
}

std::int64_t topic_size(const std::string& topic, const std::string& brokers) {
  Client client(RD_KAFKA_PRODUCER, brokers);
  rd_kafka_topic_t* t = rd_kafka_topic_new(client.rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(client.rk, 0, t, &md, 10000);
  std::int64_t total = 0;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1) {
    for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
      std::int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(client.rk, topic.c_str(), md->topics[0].partitions[p].id, &low, &high,
                                           10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        total += high - low;
      }
    }
  }
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  return total;
}

bool topic_exists(const std::string& topic, const std::string& brokers) {
  Client client(RD_KAFKA_PRODUCER, brokers);
  const rd_kafka_metadata_t* md = nullptr;
  // All topics, not one: naming a topic in a metadata request may create it on a broker that
  // creates topics on first use.
  const rd_kafka_resp_err_t err = rd_kafka_metadata(client.rk, 1, nullptr, &md, 10000);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  bool found = false;
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < md->topic_cnt; ++i) found |= topic == md->topics[i].topic;
  if (md) rd_kafka_metadata_destroy(md);
  return found;
}

void produce(const std::string& topic, const std::vector<std::string>& values, const std::string& brokers) {
  Client client(RD_KAFKA_PRODUCER, brokers);
  const auto created = sluice::kafka::ensure_topic(client.rk, {topic, 1, 1, std::nullopt}, std::chrono::seconds(30));
  ASSERT_EQ(created.state, sluice::kafka::TopicState::ready) << created.detail;
  for (const auto& v : values) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(client.rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(client.rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(topic_size(topic, brokers), static_cast<std::int64_t>(values.size()));
}

std::int64_t committed_offset(const std::string& group, const std::string& topic, const std::string& brokers) {
  Client client(RD_KAFKA_CONSUMER, brokers, group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0);
  std::int64_t offset = -1;
  if (rd_kafka_committed(client.rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= 0) {
    offset = list->elems[0].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return offset;
}

std::vector<Message> read_topic(const std::string& topic, std::chrono::milliseconds timeout,
                                const std::string& brokers) {
  const std::int64_t expected = topic_size(topic, brokers);
  Client client(RD_KAFKA_CONSUMER, brokers, unique_name("reader"));
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(client.rk, sub);
  rd_kafka_topic_partition_list_destroy(sub);

  std::vector<Message> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (static_cast<std::int64_t>(out.size()) < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(client.rk, 100);
    if (!m) continue;
    if (!m->err) {
      Message msg;
      if (m->key) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
      msg.value.assign(static_cast<const char*>(m->payload), m->len);
      msg.partition = m->partition;
      msg.offset = m->offset;
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        std::size_t size;
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          msg.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(msg));
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(static_cast<std::int64_t>(out.size()), expected) << "could not read all of " << topic;
  std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  return out;
}

}  // namespace sluice::test::kafka
