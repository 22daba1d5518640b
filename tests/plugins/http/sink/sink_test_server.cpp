#include "sink_test_server.hpp"

#include <algorithm>
#include <future>
#include <sstream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sluice::http::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

class SinkTestServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SinkTestServer& server, std::uint64_t number)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server), number_(number) {}

  void read() {
    request_ = {};
    bhttp::async_read(socket_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->on_request();
    });
  }

  void close() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void on_request() {
    Received r;
    r.target = std::string(request_.target());
    r.body = request_.body();
    for (const auto& field : request_) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      r.headers[name] = std::string(field.value());
    }
    r.connection = number_;
    r.at = std::chrono::steady_clock::now();
    const Reply reply = server_.next_reply();
    r.reply = reply;
    bool hold = false;
    {
      std::lock_guard lock(server_.mutex_);
      server_.received_.push_back(r);
      ++server_.waiting_;
      server_.most_waiting_ = std::max(server_.most_waiting_, server_.waiting_);
      hold = reply.hold && server_.holding_;
      if (hold) {
        server_.held_.push_back([self = shared_from_this(), reply] {
          net::post(self->socket_.get_executor(), [self, reply] { self->answer(reply); });
        });
      }
    }
    if (hold) return;
    if (reply.delay.count() > 0) {
      timer_.expires_after(reply.delay);
      timer_.async_wait([self = shared_from_this(), reply](beast::error_code ec) {
        if (!ec) self->answer(reply);
      });
      return;
    }
    answer(reply);
  }

  void answer(const Reply& reply) {
    {
      std::lock_guard lock(server_.mutex_);
      --server_.waiting_;
    }
    if (!socket_.is_open()) return;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(reply.status), 11);
    for (const auto& [name, value] : reply.headers) res->set(name, value);
    res->body() = reply.body;
    res->keep_alive(request_.keep_alive());
    res->prepare_payload();
    if (reply.interim != 0 || reply.repeat) {
      // The interim answer (or the answer) and the final one in one write: a client that takes the
      // first for the answer finds the second waiting on the connection.
      std::ostringstream final_answer;
      final_answer << *res;
      auto both =
          std::make_shared<std::string>(reply.repeat ? final_answer.str()
                                                     : "HTTP/1.1 " + std::to_string(reply.interim) +
                                                           " Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
      *both += final_answer.str();
      net::async_write(socket_, net::buffer(*both),
                       [self = shared_from_this(), both, res, close = reply.close](beast::error_code ec, std::size_t) {
                         if (ec || !res->keep_alive() || close) return self->close();
                         self->read();
                       });
      return;
    }
    bhttp::async_write(socket_, *res,
                       [self = shared_from_this(), res, close = reply.close](beast::error_code ec, std::size_t) {
                         if (ec || !res->keep_alive() || close) return self->close();
                         self->read();
                       });
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  SinkTestServer& server_;
  std::uint64_t number_;
};

SinkTestServer::SinkTestServer() {
  work_.emplace(net::make_work_guard(io_));
  listen();
  thread_ = std::thread([this] { io_.run(); });
}

SinkTestServer::~SinkTestServer() {
  go_down();
  work_.reset();
  io_.stop();
  thread_.join();
}

std::string SinkTestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void SinkTestServer::listen() {
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  const tcp::endpoint at(net::ip::make_address("127.0.0.1"), port_);
  acceptor_->open(at.protocol());
  acceptor_->set_option(net::socket_base::reuse_address(true));
  acceptor_->bind(at);
  acceptor_->listen();
  port_ = acceptor_->local_endpoint().port();
  do_accept();
}

void SinkTestServer::do_accept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed: the server went down
    std::uint64_t number;
    {
      std::lock_guard lock(mutex_);
      number = ++accepted_;
    }
    auto session = std::make_shared<Session>(std::move(socket), *this, number);
    sessions_.push_back(session);
    session->read();
    do_accept();
  });
}

void SinkTestServer::go_down() {
  std::promise<void> done;
  net::post(io_, [&] {
    beast::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
    for (auto& weak : sessions_) {
      if (auto s = weak.lock()) s->close();
    }
    sessions_.clear();
    done.set_value();
  });
  done.get_future().wait();
  std::lock_guard lock(mutex_);
  held_.clear();  // their sessions are closed: never answered
}

void SinkTestServer::come_back() {
  std::promise<void> done;
  net::post(io_, [&] {
    listen();
    done.set_value();
  });
  done.get_future().wait();
}

Reply SinkTestServer::next_reply() {
  std::lock_guard lock(mutex_);
  if (script_.empty()) return fallback_;
  Reply r = std::move(script_.front());
  script_.pop_front();
  return r;
}

void SinkTestServer::script(std::vector<Reply> replies) {
  std::lock_guard lock(mutex_);
  script_.assign(replies.begin(), replies.end());
}

void SinkTestServer::set_fallback(Reply reply) {
  std::lock_guard lock(mutex_);
  fallback_ = std::move(reply);
}

void SinkTestServer::release_held() {
  std::vector<std::function<void()>> held;
  {
    std::lock_guard lock(mutex_);
    holding_ = false;
    held.swap(held_);
  }
  for (auto& answer : held) answer();
}

std::vector<Received> SinkTestServer::requests() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t SinkTestServer::request_count() const {
  std::lock_guard lock(mutex_);
  return received_.size();
}

std::uint64_t SinkTestServer::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

std::size_t SinkTestServer::held() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

std::size_t SinkTestServer::most_waiting() const {
  std::lock_guard lock(mutex_);
  return most_waiting_;
}

}  // namespace sluice::http::test
