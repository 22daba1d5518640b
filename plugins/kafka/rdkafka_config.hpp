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

// Says what librdkafka reports about the cluster, once per change rather than once per retry:
// "1/1 brokers are down" every second for a minute would hide everything else.
class ClusterLog {
 public:
  explicit ClusterLog(const Logger& log) : log_(log) {}
  void problem(const std::string& what);
  // After problems, the first success says so.
  void healthy(const std::string& what);
  const Logger& log() const { return log_; }
  bool degraded() const {
    std::lock_guard lock(mutex_);
    return degraded_;
  }
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
  std::string last_problem_;
  std::chrono::steady_clock::time_point last_logged_{};
  bool degraded_ = false;
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
