#include "http_test_server.hpp"

#include <poll.h>

#include <boost/beast/core/string.hpp>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "config/option_validation.hpp"

namespace sluice::http::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

bool RecordingEmitter::try_emit(std::vector<Event>& events, AckFn& on_ack) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : events) {
      payloads_.push_back(std::string(e.payload()));
      const std::string* id = e.meta().find("id");
      ids_.push_back(id != nullptr ? *id : "");
    }
  }
  if (on_ack) on_ack(AckResult{});
  return true;
}

std::vector<std::string> RecordingEmitter::payloads() {
  std::lock_guard lock(mutex_);
  return payloads_;
}

std::vector<std::string> RecordingEmitter::ids() {
  std::lock_guard lock(mutex_);
  return ids_;
}

std::string click_routes(const std::string& folder, const std::string& cors_origins) {
  std::string routes =
      "routes: [{path: /click, action: events, body: single, content_types: [application/json, text/plain], "
      "cors_origins: " +
      cors_origins +
      "}, "
      "{path: /clicks, action: events, body: batch, "
      "content_types: [application/json, text/plain, application/x-ndjson], cors_origins: " +
      cors_origins + "}, {path: /health, action: health}";
  if (!folder.empty()) {
    routes +=
        ", {path: /, action: redirect, location: /frontend/}, "
        "{path: /frontend, action: redirect, location: /frontend/}, "
        "{path: /dashboard, action: redirect, location: /dashboard/}, "
        "{path: /, action: static, folder: '" +
        folder + "'}";
  }
  return routes + "]";
}

TestServer::TestServer(const std::string& options_text) {
  std::string options = options_text;
  if (options.find("routes:") == std::string::npos) options += (options.empty() ? "" : ", ") + click_routes();
  auto env = config::process_environment();
  std::vector<config::Diagnostic> diagnostics;
  config::ValidationScope scope{"test", "http source", &env, &diagnostics};
  auto validated = config::validate_options(http_source_options(),
                                            YAML::Load("{listen: '127.0.0.1:0', " + options + "}"), {}, scope);
  if (!diagnostics.empty()) throw std::invalid_argument(diagnostics.front().format());
  context_.pipeline = "test";
  context_.label = "source http";
  context_.log = Logger("test/source http");
  context_.io = &io_;
  work_.emplace(io_.get_executor());
  source_ = std::make_unique<HttpSource>(validated.options, context_);
  port_ = source_->port();
  source_->start(emitter_);
  // As the engine's I/O threads do: an exception from a handler is counted, and the loop goes on.
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        context_.log.error("handler threw: ", e.what());
      }
    }
  });
}

TestServer::~TestServer() {
  source_->stop();
  work_.reset();
  io_.stop();
  thread_.join();
  source_.reset();
}

std::string Answer::header(const std::string& name) const {
  std::size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    const auto colon = head.find(':', pos);
    const auto end = head.find("\r\n", pos);
    if (colon == std::string::npos || (end != std::string::npos && colon > end)) continue;
    if (boost::beast::iequals(head.substr(pos, colon - pos), name)) {
      auto value = head.substr(colon + 1, (end == std::string::npos ? head.size() : end) - colon - 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
  }
  return "";
}

RawClient::RawClient(unsigned short port) : socket_(io_) {
  socket_.connect({net::ip::make_address("127.0.0.1"), port});
}

void RawClient::send(std::string_view bytes) {
  boost::system::error_code ec;
  net::write(socket_, net::buffer(bytes.data(), bytes.size()), ec);
}

bool RawClient::fill(std::chrono::steady_clock::time_point until) {
  if (eof_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{socket_.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[4096];
  boost::system::error_code ec;
  const auto n = socket_.read_some(net::buffer(buf), ec);
  if (ec) {
    eof_ = true;
    return false;
  }
  pending_.append(buf, n);
  return true;
}

std::optional<Answer> RawClient::read_answer(std::chrono::milliseconds deadline, bool to_head) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(until)) return std::nullopt;
  }
  Answer a;
  a.head = pending_.substr(0, end);
  a.status = std::stoi(a.head.substr(9, 3));
  const auto length_text = a.header("Content-Length");
  const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
  const bool head_only = to_head || a.status == 204 || a.status == 304;
  const std::size_t need = end + 4 + (head_only ? 0 : length);
  while (pending_.size() < need) {
    if (!fill(until)) return std::nullopt;
  }
  a.body = pending_.substr(end + 4, need - end - 4);
  pending_.erase(0, need);
  return a;
}

std::string RawClient::read_to_end(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (fill(until)) {
  }
  return std::exchange(pending_, {});
}

bool RawClient::closed_by_server(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!eof_) {
    if (!fill(until)) break;
  }
  return eof_;
}

std::optional<Answer> exchange(unsigned short port, std::string_view request) {
  RawClient c(port);
  c.send(request);
  return c.read_answer(std::chrono::seconds(5), request.substr(0, 5) == "HEAD ");
}

std::vector<Answer> split_answers(const std::string& bytes) {
  std::vector<Answer> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto end = bytes.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    Answer a;
    a.head = bytes.substr(pos, end - pos);
    a.status = std::stoi(a.head.substr(9, 3));
    const auto length_text = a.header("Content-Length");
    const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    a.body = bytes.substr(end + 4, length);
    pos = end + 4 + length;
    out.push_back(a);
  }
  return out;
}

bool valid_json(const std::string& text) { return nlohmann::json::accept(text); }

}  // namespace sluice::http::test
