// Reloads of a running `sluice run` (SIGHUP and --watch) and plugin hot swap, against the real
// executable: a generator feeds the `mark` transform (tests/fixtures/reload_mark), whose label
// option and build ("v1"/"v2") land in every event, and the stdout sink, which acknowledges a
// batch once it is written. The output is then checked event by event: a generator numbers its
// events from 1, so a pipeline restarted shows a second run of numbers, and one that lost or
// doubled an event shows a gap or a repeat.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "raw_http_client.hpp"
#include "subprocess.hpp"

namespace sluice::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSluice = SLUICE_TEST_BINARY;
const fs::path kMarkV1 = fs::path(SLUICE_TEST_MARK_V1_DIR) / "libsluice-mark.so";
const fs::path kMarkV2 = fs::path(SLUICE_TEST_MARK_V2_DIR) / "libsluice-mark.so";
const fs::path kWrongAbi = fs::path(SLUICE_TEST_FIXTURE_DIR) / "libsluice-fixture_wrong_abi.so";

// A folder of its own for each test: the pipeline file and a plugin folder holding `mark`.
struct Workspace {
  fs::path dir;
  fs::path plugins;
  fs::path file;
  explicit Workspace(const std::string& name) {
    dir = fs::path(::testing::TempDir()) / ("reload-" + name);
    fs::remove_all(dir);
    plugins = dir / "plugins";
    fs::create_directories(plugins);
    file = dir / "pipelines.yaml";
  }
  // Written beside and renamed over, as an editor or `install` does: the engine never reads half a file.
  void put(const fs::path& target, const std::string& text) const {
    const fs::path tmp = target.string() + ".tmp";
    std::ofstream(tmp) << text;
    fs::rename(tmp, target);
  }
  void write_file(const std::string& text) const { put(file, text); }
  void install_mark(const fs::path& build) const {
    const fs::path tmp = plugins / ".libsluice-mark.so.new";
    fs::copy_file(build, tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, plugins / "libsluice-mark.so");
  }
  std::vector<std::string> run_args(bool watch = false) const {
    std::vector<std::string> args = {kSluice, "--plugin-dir", plugins.string(), "--plugin-dir", SLUICE_TEST_PLUGIN_DIR,
                                     "run",   file.string()};
    if (watch) args.push_back("--watch");
    return args;
  }
};

// One generator pipeline through `mark` to stdout. The rate keeps the output small; io_threads
// is set so that a test can change it.
std::string pipeline(const std::string& name, const std::string& label, int rate = 2000) {
  return "  " + name + ":\n    source: { type: generator, rate: " + std::to_string(rate) +
         ", batch_size: 10, payload: '{\"p\":\"" + name + "\",\"seq\":{{seq}}}' }\n" +
         "    transforms:\n      - { type: mark, label: " + label + " }\n" + "    sinks:\n      - type: stdout\n";
}
std::string file_of(const std::vector<std::string>& pipelines, int io_threads = 1) {
  std::string text = "engine:\n  io_threads: " + std::to_string(io_threads) + "\n  shutdown_timeout: 10s\npipelines:\n";
  for (const auto& p : pipelines) text += p;
  return text;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The events of the output, by (pipeline, label, build): their sequence numbers in output order.
using Runs = std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::int64_t>>;
Runs runs_of(const std::string& out) {
  Runs runs;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    runs[{j.at("p"), j.at("label"), j.at("build")}].push_back(j.at("seq").get<std::int64_t>());
  }
  return runs;
}

// Every number 1..n exactly once: nothing lost, nothing twice, one run of the generator.
void expect_one_complete_run(const std::vector<std::int64_t>& seqs, const std::string& what) {
  std::set<std::int64_t> seen(seqs.begin(), seqs.end());
  EXPECT_EQ(seen.size(), seqs.size()) << what << ": an event appears twice";
  ASSERT_FALSE(seen.empty()) << what;
  EXPECT_EQ(*seen.begin(), 1) << what;
  EXPECT_EQ(static_cast<std::size_t>(*seen.rbegin()), seen.size()) << what << ": an event is missing";
}

// What each generator said when it was destroyed: "made N events: A acknowledged, F failed".
std::vector<std::array<std::int64_t, 3>> generator_tallies(const std::string& err) {
  std::vector<std::array<std::int64_t, 3>> out;
  const std::regex made("made ([0-9]+) events: ([0-9]+) acknowledged, ([0-9]+) failed");
  for (std::sregex_iterator it(err.begin(), err.end(), made), end; it != end; ++it) {
    out.push_back({std::stoll((*it)[1]), std::stoll((*it)[2]), std::stoll((*it)[3])});
  }
  return out;
}

// `count` generators said what they made, and each had all of it acknowledged and none failed.
void expect_generators_acknowledged_all(const std::string& err, std::size_t count) {
  const auto tallies = generator_tallies(err);
  ASSERT_EQ(tallies.size(), count) << err;
  for (const auto& [made, acked, failed] : tallies) {
    EXPECT_EQ(made, acked) << err;
    EXPECT_EQ(failed, 0) << err;
  }
}

// The private copies of `mark` the process has mapped (plugins/private_copy.hpp).
std::set<std::string> mapped_mark_copies(pid_t pid) {
  std::set<std::string> out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("sluice-plugins-") != std::string::npos && path.find("libsluice-mark.so") != std::string::npos) {
      out.insert(path);
    }
  }
  return out;
}

// The GNU build ID of a library file as binutils' readelf reads it: the test's own view of which
// build a file is, apart from the engine's ELF reader.
std::string readelf_build_id(const fs::path& library) {
  Subprocess readelf({"/usr/bin/readelf", "-n", library.string()});
  EXPECT_EQ(readelf.wait(), 0) << readelf.err();
  std::smatch m;
  const std::string out = readelf.out();
  return std::regex_search(out, m, std::regex("Build ID: ([0-9a-f]+)")) ? m[1].str() : "";
}

// The admin endpoint's port, from the line the engine logs when it listens.
unsigned short admin_port(Subprocess& run) {
  std::smatch m;
  const std::regex line("admin endpoint listening on http://127\\.0\\.0\\.1:([0-9]+)");
  EXPECT_TRUE(run.wait_for_output([&](const std::string&, const std::string& err) {
    return std::regex_search(err, m, line);
  })) << run.err();
  return static_cast<unsigned short>(std::stoi(m[1].str()));
}

// The build_id label of each sluice_plugin_info series of `library` on /metrics.
std::vector<std::string> plugin_builds(unsigned short admin, const std::string& library) {
  RawHttpClient client(admin);
  client.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const auto answer = client.read_answer(std::chrono::seconds(10));
  EXPECT_TRUE(answer && answer->status == 200);
  std::vector<std::string> out;
  const std::regex series("sluice_plugin_info\\{library=\"" + library + "\",[^}]*build_id=\"([0-9a-f]*)\"\\} 1");
  const std::string body = answer ? answer->body : "";
  for (std::sregex_iterator it(body.begin(), body.end(), series), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

TEST(Reload, AChangedOptionRestartsOnlyItsPipelineAndLosesNothing) {
  Workspace ws("option");
  ws.install_mark(kMarkV1);
  ws.write_file(file_of({pipeline("changing", "a"), pipeline("steady", "s", 500)}));
  Subprocess run(ws.run_args());
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string&) {
    return count_of(out, R"("label":"a")") >= 200 && count_of(out, R"("label":"s")") >= 50;
  })) << run.err();

  ws.write_file(file_of({pipeline("changing", "b"), pipeline("steady", "s", 500)}));
  run.send_signal(SIGHUP);
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string& err) {
    return err.find("reloaded: 1 unchanged, 1 restarted (changing)") != std::string::npos &&
           count_of(out, R"("label":"b")") >= 200;
  })) << run.err();
  const std::size_t steady_at_reload = count_of(run.out(), R"("label":"s")");
  ASSERT_TRUE(run.wait_for_output([&](const std::string& out, const std::string&) {
    return count_of(out, R"("label":"s")") >= steady_at_reload + 50;
  })) << "the unchanged pipeline stopped";
  run.send_signal(SIGTERM);
  ASSERT_EQ(run.wait(), 0) << run.err();

  const Runs runs = runs_of(run.out());
  ASSERT_EQ(runs.size(), 3u) << run.out().substr(0, 2000);
  // The old pipeline drained: each event it made reached the sink once; the new one carries "b".
  const auto& before = runs.at({"changing", "a", "v1"});
  const auto& after = runs.at({"changing", "b", "v1"});
  expect_one_complete_run(before, "before the reload");
  expect_one_complete_run(after, "after the reload");
  // Not restarted: one run of numbers across the reload, none repeated.
  expect_one_complete_run(runs.at({"steady", "s", "v1"}), "the unchanged pipeline");
  // Each generator: everything it made acknowledged, nothing failed. Three: old, new, steady.
  expect_generators_acknowledged_all(run.err(), 3);
  const auto tallies = generator_tallies(run.err());
  EXPECT_TRUE(std::any_of(tallies.begin(), tallies.end(), [&](const auto& t) {
    return t[0] == static_cast<std::int64_t>(before.size());
  })) << "the old generator's own count matches what reached the sink";
}

// Two pipelines joined by an inproc channel: the writing one changes, the reading one (the
// counting sink behind it) is left alone and sees one unbroken stream: the old writer's events,
// each once, then the new writer's.
TEST(Reload, AChangedWriterOfAnInprocChannelHandsOverToItsReaderLosingNothing) {
  Workspace ws("inproc");
  ws.install_mark(kMarkV1);
  const auto file = [](const std::string& label) {
    return "engine:\n  io_threads: 1\n  shutdown_timeout: 10s\npipelines:\n"
           "  produce:\n    source: { type: generator, rate: 2000, batch_size: 10, payload: "
           "'{\"p\":\"produce\",\"seq\":{{seq}}}' }\n"
           "    transforms:\n      - { type: mark, label: " +
           label +
           " }\n    sinks:\n      - { type: inproc, channel: handover }\n"
           "  count:\n    source: { type: inproc, channel: handover }\n    sinks:\n      - type: stdout\n";
  };
  ws.write_file(file("a"));
  Subprocess run(ws.run_args());
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string&) {
    return count_of(out, R"("label":"a")") >= 200;
  })) << run.err();
  ws.write_file(file("b"));
  run.send_signal(SIGHUP);
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string& err) {
    return err.find("reloaded: 1 unchanged, 1 restarted (produce)") != std::string::npos &&
           count_of(out, R"("label":"b")") >= 200;
  })) << run.err();
  run.send_signal(SIGTERM);
  ASSERT_EQ(run.wait(), 0) << run.err();

  const Runs runs = runs_of(run.out());
  ASSERT_EQ(runs.size(), 2u) << run.out().substr(0, 2000);
  const auto& before = runs.at({"produce", "a", "v1"});
  const auto& after = runs.at({"produce", "b", "v1"});
  expect_one_complete_run(before, "the old writer");
  expect_one_complete_run(after, "the new writer");
  // The old writer drained during the reload (the two may interleave only while it does); what
  // came after carries the new option, to the end.
  const std::string& out = run.out();
  EXPECT_LT(out.rfind(R"("label":"a")"), out.rfind(R"("label":"b")"));
  expect_generators_acknowledged_all(run.err(), 2);
  EXPECT_THAT(run.err(), Not(HasSubstr("already has an inproc source")));
}

TEST(Reload, BadReloadsChangeNothing) {
  Workspace ws("bad");
  ws.install_mark(kMarkV1);
  const std::string good = file_of({pipeline("gen", "a")});
  ws.write_file(good);
  Subprocess run(ws.run_args());
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string&) {
    return count_of(out, R"("label":"a")") >= 100;
  })) << run.err();
  std::size_t refusals = 0;
  const auto refused = [&](const std::string& expected) {
    run.send_signal(SIGHUP);
    ++refusals;
    EXPECT_TRUE(run.wait_for_output([&](const std::string&, const std::string& err) {
      return count_of(err, "reload refused, nothing changed") >= refusals;
    })) << run.err();
    EXPECT_THAT(run.err(), HasSubstr(expected));
  };

  ws.write_file("pipelines:\n  gen: [ unclosed\n");
  refused(ws.file.string() + ":3:1: error: invalid YAML");  // located
  std::string unknown = file_of({pipeline("gen", "b")});
  unknown.replace(unknown.find("type: mark"), 10, "type: marx");
  ws.write_file(unknown);
  refused(ws.file.string() + ":8:");  // unknown type, at its line
  EXPECT_THAT(run.err(), HasSubstr("did you mean 'mark'?"));
  ws.write_file(file_of({pipeline("gen", "b")}, 2));
  refused("engine.io_threads");
  // A new build of mark that fails its ABI check: refused, and the pipeline using it is refused.
  ws.write_file(file_of({pipeline("gen", "b")}));
  ws.install_mark(kWrongAbi);
  refused("plugin ABI 999,");

  // Still the first run of the pipeline: label a, build v1, numbers never restarted.
  const std::size_t before = count_of(run.out(), R"("label":"a")");
  ASSERT_TRUE(run.wait_for_output([&](const std::string& out, const std::string&) {
    return count_of(out, R"("label":"a")") >= before + 100;
  })) << "the pipeline stopped after a refused reload";
  run.send_signal(SIGTERM);
  ASSERT_EQ(run.wait(), 0) << run.err();
  const Runs runs = runs_of(run.out());
  ASSERT_EQ(runs.size(), 1u);
  expect_one_complete_run(runs.begin()->second, "the pipeline");
  EXPECT_THAT(run.err(), Not(HasSubstr("reloaded:")));
}

TEST(Reload, HotSwapOfAPluginUnderWatch) {
  Workspace ws("swap");
  ws.install_mark(kMarkV1);
  ws.write_file(file_of({pipeline("gen", "x")}));
  Subprocess run(ws.run_args(/*watch=*/true));
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string& err) {
    return count_of(out, R"("build":"v1")") >= 200 && err.find("(plugins)") != std::string::npos;
  })) << run.err();
  const auto v1_copies = mapped_mark_copies(run.pid());
  ASSERT_EQ(v1_copies.size(), 1u) << "mark v1 is mapped from one private copy";
  const unsigned short admin = admin_port(run);
  const std::string v1_build = readelf_build_id(kMarkV1);
  const std::string v2_build = readelf_build_id(kMarkV2);
  ASSERT_FALSE(v1_build.empty());
  ASSERT_NE(v1_build, v2_build) << "the two fixture builds must differ";
  EXPECT_EQ(plugin_builds(admin, "fixture_mark"), std::vector<std::string>{v1_build});

  ws.install_mark(kMarkV2);  // renamed over the old file, as `install` does; --watch sees it
  ASSERT_TRUE(run.wait_for_output([](const std::string& out, const std::string& err) {
    return err.find("reloaded: 0 unchanged, 1 restarted (gen)") != std::string::npos &&
           count_of(out, R"("build":"v2")") >= 200;
  })) << run.err();
  // The old build is closed once its last component is gone: its copy is no longer mapped.
  const auto now_mapped = mapped_mark_copies(run.pid());
  ASSERT_EQ(now_mapped.size(), 1u);
  EXPECT_NE(*now_mapped.begin(), *v1_copies.begin()) << "v1 is still mapped";
  EXPECT_FALSE(fs::exists(*v1_copies.begin())) << "the private copy of v1 was not removed";
  // What an operator sees: the one build of mark the engine holds is now v2.
  EXPECT_EQ(plugin_builds(admin, "fixture_mark"), std::vector<std::string>{v2_build});
  run.send_signal(SIGTERM);
  ASSERT_EQ(run.wait(), 0) << run.err();

  const Runs runs = runs_of(run.out());
  ASSERT_EQ(runs.size(), 2u) << "every event is marked v1 or v2";
  const auto& v1 = runs.at({"gen", "x", "v1"});
  const auto& v2 = runs.at({"gen", "x", "v2"});
  expect_one_complete_run(v1, "v1");
  expect_one_complete_run(v2, "v2");
  // After the swap all are v2: the v1 run ended (its generator is gone, every event of it above),
  // and the output ends with v2.
  const std::string& out = run.out();
  EXPECT_LT(out.rfind(R"("build":"v1")"), out.rfind(R"("build":"v2")"));
  expect_generators_acknowledged_all(run.err(), 2);
  // The private copies are gone after a normal exit.
  for (const auto& copy : now_mapped) EXPECT_FALSE(fs::exists(fs::path(copy).parent_path()));
}

}  // namespace
}  // namespace sluice::test

namespace sluice::test {
namespace {

// A port free now, for a listener that must keep its address across a reload (port 0 would
// pick another one for the new pipeline).
unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string http_file(unsigned short port, const std::string& label) {
  return "engine:\n  io_threads: 1\n  shutdown_timeout: 10s\npipelines:\n  ingest:\n    source:\n      type: http\n"
         "      listen: 127.0.0.1:" +
         std::to_string(port) +
         "\n      routes:\n        - { path: /e, action: events, body: single }\n"
         "    transforms:\n      - { type: mark, label: " +
         label + " }\n    sinks:\n      - type: stdout\n";
}

// What the clients saw, each request on a new connection.
struct Tally {
  std::mutex mutex;
  std::vector<std::int64_t> accepted;  // the numbers answered 2xx
  std::size_t unavailable = 0;         // 503 with Retry-After
  std::vector<std::string> broken;     // refused, reset, no answer, or any other answer
};

TEST(Reload, HttpClientsOfAChangedPipelineSeeNoRefusedOrResetConnection) {
  Workspace ws("http");
  ws.install_mark(kMarkV1);
  const unsigned short port = free_port();
  ws.write_file(http_file(port, "a"));
  Subprocess run(ws.run_args());
  ASSERT_TRUE(run.wait_for_output([](const std::string&, const std::string& err) {
    return err.find("running 1 pipeline") != std::string::npos;
  })) << run.err();

  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (std::int64_t i = 0; !stop; ++i) {
        const std::int64_t n = c * 1000000 + i;
        std::optional<HttpAnswer> answer;
        std::string broken;
        try {
          RawHttpClient client(port);
          client.send(json_post("/e", "{\"n\":" + std::to_string(n) + "}"));
          answer = client.read_answer(std::chrono::seconds(10));
          if (!answer) broken = "no answer (reset or closed)";
        } catch (const std::exception& e) {
          broken = std::string("connection failed: ") + e.what();
        }
        std::lock_guard lock(tally.mutex);
        if (!broken.empty()) {
          tally.broken.push_back(broken);
        } else if (answer->status / 100 == 2) {
          tally.accepted.push_back(n);
        } else if (answer->status == 503 && !answer->header("Retry-After").empty()) {
          ++tally.unavailable;
        } else {
          tally.broken.push_back("answered " + std::to_string(answer->status));
        }
      }
    });
  }
  const auto accepted = [&] {
    std::lock_guard lock(tally.mutex);
    return tally.accepted.size();
  };
  ASSERT_TRUE(run.wait_for_output([&](const std::string&, const std::string&) { return accepted() >= 300; }));
  // Two reloads, each replacing the listener under the clients.
  for (const std::string label : {"b", "c"}) {
    ws.write_file(http_file(port, label));
    run.send_signal(SIGHUP);
    const std::size_t reloads = label == "b" ? 1 : 2;
    ASSERT_TRUE(run.wait_for_output([&](const std::string&, const std::string& err) {
      return count_of(err, "reloaded: 0 unchanged, 1 restarted (ingest)") >= reloads;
    })) << run.err();
    const std::size_t now = accepted();
    ASSERT_TRUE(run.wait_for_output([&](const std::string&, const std::string&) { return accepted() >= now + 300; }))
        << "no request accepted after the reload";
  }
  stop = true;
  for (auto& t : clients) t.join();
  run.send_signal(SIGTERM);
  ASSERT_EQ(run.wait(), 0) << run.err();

  EXPECT_TRUE(tally.broken.empty()) << tally.broken.size() << " requests broken, first: " << tally.broken.front();
  // Every accepted event reached the sink once, under the label of the pipeline that took it.
  std::map<std::int64_t, std::string> seen;
  std::istringstream lines(run.out());
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(seen.emplace(j.at("n").get<std::int64_t>(), j.at("label").get<std::string>()).second)
        << "twice: " << line;
  }
  for (const auto n : tally.accepted) EXPECT_TRUE(seen.count(n)) << n << " was answered 2xx but never written";
  std::set<std::string> labels;
  for (const auto& [n, label] : seen) labels.insert(label);
  EXPECT_EQ(labels, (std::set<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace sluice::test
