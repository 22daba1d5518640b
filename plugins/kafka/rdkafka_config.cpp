#include "rdkafka_config.hpp"

namespace sluice::kafka {

void ClusterLog::problem(const std::string& what) {
  std::lock_guard lock(mutex_);
  last_problem_ = what;
  if (degraded_) {
    ++reports_since_;
    log_.debug("Kafka: ", what);
    return;
  }
  degraded_ = true;
  degraded_since_ = std::chrono::steady_clock::now();
  reports_since_ = 0;
  log_.warn("Kafka: ", what, " (librdkafka keeps retrying; said again only after it recovers)");
}

void ClusterLog::healthy(const std::string& what) {
  std::lock_guard lock(mutex_);
  if (!degraded_) return;
  degraded_ = false;
  last_problem_.clear();
  const auto lasted =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - degraded_since_);
  log_.info("Kafka: ", what, " (recovered after ", lasted.count(), "s; ", reports_since_,
            " more problem reports meanwhile, at debug level)");
}

namespace {

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* cluster = static_cast<ClusterLog*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    cluster->log().error("Kafka: fatal error: ", reason);
    return;
  }
  cluster->problem(reason);
}

void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  auto* cluster = static_cast<ClusterLog*>(rd_kafka_opaque(rk));
  if (cluster == nullptr) return;
  // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug. Connection failures arrive as
  // errors through on_error as well; here they would be said twice.
  if (level <= 4) {
    cluster->log().debug("librdkafka ", facility, ": ", message);
  } else {
    cluster->log().trace("librdkafka ", facility, ": ", message);
  }
}

}  // namespace

std::string ms(Duration d) { return std::to_string(d.count()); }

Config::Config(const Options& options, ClusterLog& cluster_log) : conf_(rd_kafka_conf_new()) {
  std::string brokers;
  for (const auto& b : options.get_list("brokers")) brokers += (brokers.empty() ? "" : ",") + b;
  set("bootstrap.servers", brokers, "brokers");
  user_properties_ = options.get_map("properties");
  rd_kafka_conf_set_opaque(conf_.get(), &cluster_log);
  rd_kafka_conf_set_error_cb(conf_.get(), on_error);
  rd_kafka_conf_set_log_cb(conf_.get(), on_log);
}

void Config::set(const std::string& name, const std::string& value, const std::string& option) {
  char errstr[512];
  if (rd_kafka_conf_set(conf_.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    throw ConfigError(option, "librdkafka refuses " + name + "=" + value + ": " + errstr);
  }
}

void Config::apply_user_properties() {
  for (const auto& [name, value] : user_properties_) set(name, value, "properties");
}

HandlePtr Config::create(rd_kafka_type_t type) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf_.get(), errstr, sizeof errstr);
  if (rk == nullptr) throw ConfigError("properties", std::string("librdkafka cannot start a client: ") + errstr);
  (void)conf_.release();  // rd_kafka_new owns it now
  return HandlePtr(rk);
}

}  // namespace sluice::kafka
