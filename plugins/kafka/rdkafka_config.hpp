#pragma once
// librdkafka set-up shared by the kafka source and sink: RAII handles, a configuration built from
// the component's options (every refusal becomes a ConfigError naming the option), and routing of
// librdkafka's logs and errors into the component's logger without flooding it.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/sdk.hpp"

namespace sluice::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// Says what librdkafka reports about the cluster once per change of state, not once per report:
// while a broker is away librdkafka reports it every few seconds, in varying words ("Connect to
// ... failed", "1/1 brokers are down", "... identical error(s) suppressed"), for as long as it is
// away. Logged: the first problem after a healthy spell (warn), and the first success after
// problems (info: how long it lasted and how many more reports came meanwhile). The reports in
// between are logged at debug level. A component starts healthy.
class ClusterLog {
 public:
  explicit ClusterLog(const Logger& log) : log_(log) {}
  // Something failed that librdkafka retries by itself.
  void problem(const std::string& what);
  // Something succeeded that proves the cluster works again (a delivery, a message read, the
  // topic created): after problems, says so.
  void healthy(const std::string& what);
  const Logger& log() const { return log_; }
  bool degraded() const {
    std::lock_guard lock(mutex_);
    return degraded_;
  }
  // The latest problem reported, for a readiness answer.
  std::string last_problem() const {
    std::lock_guard lock(mutex_);
    return last_problem_;
  }

  // The component the callbacks belong to (librdkafka hands every callback one opaque pointer,
  // and it is this object).
  void* owner = nullptr;

 private:
  Logger log_;
  mutable std::mutex mutex_;
  bool degraded_ = false;
  std::string last_problem_;
  std::chrono::steady_clock::time_point degraded_since_{};
  std::size_t reports_since_ = 0;  // problems reported after the one logged
};

class Config {
 public:
  // Starts from `brokers` and `properties`; `cluster_log` must outlive the client made from it.
  Config(const Options& options, ClusterLog& cluster_log);

  // Sets one librdkafka property; a refusal is reported against `option`.
  void set(const std::string& name, const std::string& value, const std::string& option);
  // Applies `properties` last, so a user can override anything the named options set.
  void apply_user_properties();

  // Creates the client; the Config is spent. Throws ConfigError with librdkafka's reason.
  HandlePtr create(rd_kafka_type_t type);
  rd_kafka_conf_t* get() { return conf_.get(); }

 private:
  ConfPtr conf_;
  StringMap user_properties_;
};

std::string ms(Duration d);

}  // namespace sluice::kafka
