#include "kafka_cluster_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace sluice::test::kafka {
namespace {

// Binds 127.0.0.1:port (0 for any) and returns the socket, or -1.
int bind_port(int port, int& bound) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  bound = ntohs(addr.sin_port);
  return fd;
}

// A port P such that P to P+5 are free at this moment: scripts/kafka puts node N's broker on
// P + 2(N-1) and its controller on the port after it.
int six_free_ports() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int base = 0;
    std::vector<int> held{bind_port(0, base)};
    bool all = held.front() >= 0 && base + 5 <= 65535;
    for (int i = 1; all && i < 6; ++i) {
      int ignored = 0;
      held.push_back(bind_port(base + i, ignored));
      all = held.back() >= 0;
    }
    for (int fd : held) {
      if (fd >= 0) close(fd);
    }
    if (all) return base;
  }
  throw std::runtime_error("cannot find six consecutive free ports");
}

std::vector<int> numbers(const std::string& list) {
  std::vector<int> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

template <class T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};

}  // namespace

PrivateCluster::PrivateCluster() {
  char dir[] = "/tmp/sluice-kafka-cluster-XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir;
  // A port found free can be taken before a node binds it: then that node exits during start-up
  // and the script fails; another range is tried.
  std::string output;
  for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
    base_port_ = six_free_ports();
    env_ = {{"SLUICE_KAFKA_PORT", std::to_string(base_port_)},
            {"SLUICE_KAFKA_CACHE", dir_ + "/cluster"},
            {"SLUICE_KAFKA_HEAP", "256m"},
            {"SLUICE_KAFKA_STOP_WITH", std::to_string(getpid())}};
    const auto began = std::chrono::steady_clock::now();
    const Finished started = script("start");
    start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    running_ = started.code == 0;
    output = started.out + started.err;
    if (!running_) {
      (void)script("stop");
      std::filesystem::remove_all(dir_ + "/cluster");
    }
  }
  if (!running_) ADD_FAILURE() << "could not start a private three-node cluster:\n" << output;
}

PrivateCluster::~PrivateCluster() {
  const Finished stopped = script("stop");
  if (stopped.code != 0) ADD_FAILURE() << "could not stop the private cluster:\n" << stopped.out << stopped.err;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Finished PrivateCluster::script(const std::string& action, int node) const {
  std::vector<std::string> argv{"/bin/bash", SLUICE_TEST_SOURCE_DIR "/scripts/kafka", action};
  if (node == 0) {
    argv.insert(argv.end(), {"--brokers", "3"});
  } else {
    argv.insert(argv.end(), {"--node", std::to_string(node)});
  }
  Subprocess run(argv, env_);
  Finished r;
  // scripts/kafka waits up to 120 s for the nodes to answer and 60 s for a clean stop.
  r.code = run.wait(std::chrono::seconds(180));
  r.out = run.out();
  r.err = run.err();
  return r;
}

std::string PrivateCluster::address(int node) const {
  return "127.0.0.1:" + std::to_string(base_port_ + 2 * (node - 1));
}

std::string PrivateCluster::bootstrap() const {
  std::string all;
  for (int n = 1; n <= kNodes; ++n) all += (n > 1 ? "," : "") + address(n);
  return all;
}

std::string PrivateCluster::node_dir(int node) const { return dir_ + "/cluster/node-" + std::to_string(node); }

Finished kcat(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/env", "kcat"};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess run(argv);
  Finished r;
  r.code = run.wait(std::chrono::seconds(60));
  r.out = run.out();
  r.err = run.err();
  return r;
}

std::vector<PartitionReplicas> topic_replicas(const std::string& topic, const std::string& brokers) {
  const Finished md = kcat({"-b", brokers, "-L", "-t", topic, "-m", "10"});
  EXPECT_EQ(md.code, 0) << md.err;
  // "    partition 0, leader 2, replicas: 2,3,1, isrs: 2,3,1"
  static const std::regex line(R"(partition (\d+), leader -?\d+, replicas: ([\d,]+), isrs: ([\d,]*))");
  std::vector<PartitionReplicas> out;
  for (std::sregex_iterator it(md.out.begin(), md.out.end(), line), end; it != end; ++it) {
    out.push_back({std::stoi((*it)[1]), numbers((*it)[2]), numbers((*it)[3])});
  }
  return out;
}

TopicConfigEntry topic_config(const std::string& topic, const std::string& name, const std::string& brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_t, rd_kafka_destroy>> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  if (!rk) return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, err};
  std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>> answers(
      rd_kafka_queue_new(rk.get()));
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_DescribeConfigs(rk.get(), &resource, 1, nullptr, answers.get());
  rd_kafka_ConfigResource_destroy(resource);
  std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_t, rd_kafka_event_destroy>> event(
      rd_kafka_queue_poll(answers.get(), 30000));
  if (!event) return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, "no answer to DescribeConfigs in 30 s"};
  if (rd_kafka_event_error(event.get()))
    return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, rd_kafka_event_error_string(event.get())};
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  if (count != 1) return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, "DescribeConfigs answered no resource"};
  if (rd_kafka_ConfigResource_error(resources[0]))
    return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, rd_kafka_ConfigResource_error_string(resources[0])};
  std::size_t entries = 0;
  const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[0], &entries);
  for (std::size_t i = 0; i < entries; ++i) {
    if (name == rd_kafka_ConfigEntry_name(configs[i])) {
      const char* value = rd_kafka_ConfigEntry_value(configs[i]);
      return {value ? value : "", rd_kafka_ConfigEntry_source(configs[i]), ""};
    }
  }
  return {"", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, "no config entry " + name};
}

}  // namespace sluice::test::kafka
