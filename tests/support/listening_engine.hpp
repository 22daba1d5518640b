#pragma once
// An engine from a YAML string (engine_harness.hpp) whose one listener was given `127.0.0.1:0`,
// with the port the OS chose (listening_ports.hpp). Not started: the test starts it.

#include <memory>
#include <string>

#include "engine_harness.hpp"
#include "listening_ports.hpp"

namespace sluice::test {

struct ListeningEngine {
  std::unique_ptr<runtime::Engine> engine;
  unsigned short port = 0;
};

inline ListeningEngine make_listening_engine(const std::string& yaml) {
  reset_test_components();
  const auto before = listening_ports();
  ListeningEngine e;
  e.engine = make_engine(yaml);  // components are made here: the listener binds now
  e.port = the_new_port(before, listening_ports());
  return e;
}

}  // namespace sluice::test
