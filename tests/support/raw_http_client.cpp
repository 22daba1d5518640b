#include "raw_http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sluice::test {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::string HttpAnswer::header(std::string_view name) const {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    pos += 2;
    const auto end = std::min(head.find("\r\n", pos), head.size());
    const auto colon = head.find(':', pos);
    if (colon != std::string::npos && colon < end && same_name(std::string_view(head).substr(pos, colon - pos), name)) {
      auto value = head.substr(colon + 1, end - colon - 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      return value;
    }
    pos = end == head.size() ? std::string::npos : end;
  }
  return "";
}

RawHttpClient::RawHttpClient(unsigned short port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + why);
  }
}

RawHttpClient::~RawHttpClient() { ::close(fd_); }

void RawHttpClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed: what it answered is still there to read
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool RawHttpClient::fill(std::chrono::steady_clock::time_point until) {
  if (eof_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[4096];
  const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  pending_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::optional<HttpAnswer> RawHttpClient::read_answer(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(until)) return std::nullopt;
  }
  HttpAnswer a;
  a.head = pending_.substr(0, end);
  a.status = std::stoi(a.head.substr(9, 3));
  const auto length_text = a.header("Content-Length");
  const std::size_t length = length_text.empty() || a.status == 204 ? 0 : std::stoul(length_text);
  const std::size_t need = end + 4 + length;
  while (pending_.size() < need) {
    if (!fill(until)) return std::nullopt;
  }
  a.body = pending_.substr(end + 4, length);
  pending_.erase(0, need);
  return a;
}

bool RawHttpClient::closed_by_server(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!eof_ && fill(until)) {
  }
  return eof_;
}

std::string json_post(std::string_view path, std::string_view body, std::string_view extra_headers) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace sluice::test
