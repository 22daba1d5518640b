#include "kafka_test_support.hpp"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "subprocess.hpp"
#include "topic_creator.hpp"

namespace sluice::test::kafka {
namespace {

struct Client {
  explicit Client(rd_kafka_type_t type, const std::string& group = "") {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", kBrokers, err, sizeof err);
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

void broker(const std::string& action) {
  std::string out, err;
  const int code = run_to_end({"/bin/bash", SLUICE_TEST_SOURCE_DIR "/scripts/kafka", action}, &out, &err);
  ASSERT_EQ(code, 0) << "scripts/kafka " << action << " failed:\n" << out << err;
}

std::int64_t topic_size(const std::string& topic) {
  Client client(RD_KAFKA_PRODUCER);
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

void produce(const std::string& topic, const std::vector<std::string>& values) {
  Client client(RD_KAFKA_PRODUCER);
  const auto created = sluice::kafka::ensure_topic(client.rk, {topic, 1, 1}, std::chrono::seconds(30));
  ASSERT_EQ(created.state, sluice::kafka::TopicState::ready) << created.detail;
  for (const auto& v : values) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(client.rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(client.rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(topic_size(topic), static_cast<std::int64_t>(values.size()));
}

std::int64_t committed_offset(const std::string& group, const std::string& topic) {
  Client client(RD_KAFKA_CONSUMER, group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0);
  std::int64_t offset = -1;
  if (rd_kafka_committed(client.rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= 0) {
    offset = list->elems[0].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return offset;
}

std::vector<Message> read_topic(const std::string& topic, std::chrono::milliseconds timeout) {
  const std::int64_t expected = topic_size(topic);
  Client client(RD_KAFKA_CONSUMER, unique_name("reader"));
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
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
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
