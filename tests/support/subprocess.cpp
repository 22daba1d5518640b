#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace sluice::test {

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    // Nothing else of the test process leaks into the child: a broker the child starts must not
    // hold, say, the pipe ctest reads the test's output from (ctest would wait for it forever).
    close_range(3, ~0U, 0);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

Subprocess::~Subprocess() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Subprocess::pump(int timeout_ms) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        // End of file: stop polling this pipe (poll ignores negative descriptors).
        int& fd = i == 0 ? out_fd_ : err_fd_;
        close(fd);
        fd = -1;
      }
    }
  }
}

bool Subprocess::wait_for_output(const std::function<bool(const std::string&, const std::string&)>& condition,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition(out_, err_)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    pump(10);
  }
  return true;
}

int Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_) {
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
      exited_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    pump(10);
  }
  // Drain what the process wrote before it exited.
  for (;;) {
    const std::size_t before = out_.size() + err_.size();
    pump(0);
    if (out_.size() + err_.size() == before) break;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

void Subprocess::send_signal(int sig) {
  if (!exited_) kill(pid_, sig);
}

int run_to_end(const std::vector<std::string>& argv, std::string* out, std::string* err,
               const std::map<std::string, std::string>& env) {
  Subprocess p(argv, env);
  const int code = p.wait();
  if (out) *out = p.out();
  if (err) *err = p.err();
  return code;
}

}  // namespace sluice::test
