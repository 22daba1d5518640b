#include "topic_history.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <utility>

#include "sluice/errors.hpp"

namespace sluice::clicks {
namespace {

struct Handle {
  rd_kafka_t* rk = nullptr;
  ~Handle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

// The connection's brokers, then this reader's own settings, then the connection's properties
// (last, as the kafka source applies them: TLS or SASL settings, or an override of ours).
std::string make_consumer(const kafka_support::KafkaConnection& connection, Handle& h) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    connection.set_brokers(conf);
    for (const auto& [name, value] : {std::pair<const char*, const char*>{"group.id", "sluice-aggregate-history"},
                                      {"enable.auto.commit", "false"},
                                      {"log_level", "0"}}) {
      if (auto refused = kafka_support::set_property(conf, name, value); !refused.empty()) throw Error(refused);
    }
    connection.set_properties(conf);
  } catch (const ConfigError& e) {
    rd_kafka_conf_destroy(conf);
    return e.option() + ": " + e.what();
  } catch (const Error& e) {
    rd_kafka_conf_destroy(conf);
    return e.what();
  }
  char err[512];
  h.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!h.rk) {
    rd_kafka_conf_destroy(conf);
    return err;
  }
  return "";
}

}  // namespace

TopicHistory topic_end(const kafka_support::KafkaConnection& connection, const std::string& topic,
                       std::chrono::milliseconds timeout) {
  TopicHistory out;
  Handle h;
  if (out.error = make_consumer(connection, h); !out.error.empty()) return out;
  rd_kafka_topic_t* t = rd_kafka_topic_new(h.rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const int ms = static_cast<int>(timeout.count());
  rd_kafka_resp_err_t err = rd_kafka_metadata(h.rk, 0, t, &md, ms);
  if (err) {
    out.error = rd_kafka_err2str(err);
  } else if (md->topic_cnt != 1 || md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    // No topic yet: no history, everything is live.
  } else {
    for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
      std::int64_t low = 0, high = 0;
      const std::int32_t id = md->topics[0].partitions[p].id;
      err = rd_kafka_query_watermark_offsets(h.rk, topic.c_str(), id, &low, &high, ms);
      if (err) {
        out.error = rd_kafka_err2str(err);
        break;
      }
      out.end[id] = high;
    }
  }
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  return out;
}

std::string read_history(const kafka_support::KafkaConnection& connection, const std::string& topic,
                         const TopicHistory& history, const std::function<void(std::string_view)>& each,
                         const std::function<bool()>& cancelled) {
  Handle h;
  if (auto e = make_consumer(connection, h); !e.empty()) return e;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(static_cast<int>(history.end.size()));
  std::map<std::int32_t, bool> done;
  for (const auto& [p, end] : history.end) {
    if (end <= 0) continue;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    done[p] = false;
  }
  rd_kafka_assign(h.rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::size_t left = done.size();
  std::string error;
  while (left > 0 && !cancelled()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(h.rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::int64_t end = history.end.at(m->partition);
      if (m->offset < end) each(std::string_view(static_cast<const char*>(m->payload), m->len));
      if (m->offset + 1 >= end && !done[m->partition]) {
        done[m->partition] = true;
        --left;
      }
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      error = rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(h.rk);
  return left == 0 ? "" : (error.empty() ? "cancelled" : error);
}

}  // namespace sluice::clicks
