#pragma once
// Runs a program (the sluice binary) with captured stdout and stderr, for CLI tests that check
// exit codes, messages and signal handling against the real executable.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sluice::test {

class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads output until `condition(stdout, stderr)` holds or the timeout passes.
  bool wait_for_output(const std::function<bool(const std::string& out, const std::string& err)>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Exit code (128+N when killed by signal N), or -1 when still running after the timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void send_signal(int sig);
  pid_t pid() const { return pid_; }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  void pump(int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int status_ = -1;
  bool exited_ = false;
  std::string out_;
  std::string err_;
};

// Runs to completion; returns the exit code.
int run_to_end(const std::vector<std::string>& argv, std::string* out, std::string* err,
               const std::map<std::string, std::string>& env = {});

// What a finished run of a program said: its exit code and its output.
struct Finished {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (for the CLI tests: the sluice binary and its arguments).
inline Finished run_finished(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
  Finished r;
  r.code = run_to_end(argv, &r.out, &r.err, env);
  return r;
}

}  // namespace sluice::test
