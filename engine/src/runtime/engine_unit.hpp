#pragma once
// The engine's per-pipeline parts, shared by engine.cpp (build, run, shut down) and
// engine_reload.cpp (replace pipelines while the others run).

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "runtime/engine.hpp"

namespace sluice::runtime {

// The I/O threads of one pipeline (`engine.io_threads` of them).
struct Engine::IoRunner {
  explicit IoRunner(std::size_t threads)
      : context(static_cast<int>(threads)), guard(boost::asio::make_work_guard(context)), thread_count(threads) {}

  void start(const Logger& log) {
    for (std::size_t i = 0; i < thread_count; ++i) {
      threads.emplace_back([this, &log] {
        // A handler that throws is a plugin bug; log it and keep the context serving the others.
        for (;;) {
          try {
            context.run();
            return;
          } catch (const std::exception& e) {
            log.error("an I/O handler threw: ", e.what());
          }
        }
      });
    }
  }

  void stop() {
    guard.reset();
    context.stop();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
  }

  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::size_t thread_count;
  std::vector<std::thread> threads;
};

// One pipeline with what only it uses: its own I/O context and threads (so it can be stopped and
// destroyed alone, while the others run) and the libraries its components come from.
struct Engine::Unit {
  std::string name;
  std::string hash;                 // config/config_hash.hpp
  PipelineDescription description;  // for status(); its config_hash is `hash`
  // Declared first, destroyed last: mapped until the components and the io_context (whose
  // pending handlers hold plugin code) are gone.
  std::vector<std::shared_ptr<plugins::PluginLibrary>> libraries;
  std::unique_ptr<IoRunner> io;
  std::unique_ptr<Pipeline> pipeline;

  ~Unit() {
    pipeline.reset();  // normally torn down already (teardown_units)
    io.reset();
  }
};

}  // namespace sluice::runtime
