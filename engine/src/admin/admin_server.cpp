#include "admin/admin_server.hpp"

#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include "sluice/asio.hpp"  // first: see the header

#include "admin/admin_routes.hpp"
#include "net_support/listen.hpp"  // header only: no plugin-side library is linked into the engine

namespace sluice::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

class Session;

// Everything below runs on the admin thread (one thread, so no strand is needed), except the
// reload handler, which runs on reload_thread and hands its answer back with a post.
struct AdminServer::State {
  State(AdminHandlers h, AdminLimits l) : handlers(std::move(h)), limits(l) {}

  const AdminHandlers handlers;
  const AdminLimits limits;
  Logger log{"engine"};  // the engine's own lines name the engine
  int connections = 0;
  std::set<Session*> sessions;  // open connections, closed by stop()

  std::mutex reload_mutex;  // guards the three below
  bool reloading = false;
  bool stopping = false;
  std::thread reload_thread;

  // Declared last, so destroyed first: queued handlers (which hold sessions) go before the rest.
  net::io_context io{1};
  tcp::acceptor acceptor{io};
};

namespace {

nlohmann::json error_json(const std::string& message) { return {{"error", message}}; }

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, AdminServer::State& state, bool over_limit)
      : stream_(std::move(socket)), state_(state), over_limit_(over_limit) {
    ++state_.connections;
    state_.sessions.insert(this);
  }
  ~Session() {
    --state_.connections;
    state_.sessions.erase(this);
  }

  void run() {
    if (!over_limit_) return do_read();
    keep_alive_ = false;  // over max_connections: answered at once, then closed
    send(json_answer(503, error_json("too many connections to the admin endpoint")));
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  static AdminResponse json_answer(int status, const nlohmann::json& body) {
    return {status, "application/json", body.dump() + "\n", ""};
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.limits.header_limit));
    parser_->body_limit(state_.limits.body_limit);
    // The first request must come within read_timeout; a kept-alive connection may idle longer.
    stream_.expires_after(answered_ ? state_.limits.idle_timeout : state_.limits.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream) return close();
    if (ec == beast::error::timeout || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::error::bad_descriptor) {
      return;  // nobody to answer: the connection just ends
    }
    if (ec) {
      // Bytes that are not HTTP, or over a limit: answered, then closed, since where the next
      // request would start is unknown.
      keep_alive_ = false;
      head_ = false;
      if (ec == bhttp::error::header_limit) {
        return send(json_answer(
            431, error_json("request line and headers over " + std::to_string(state_.limits.header_limit) + " bytes")));
      }
      if (ec == bhttp::error::body_limit) {
        return send(json_answer(413, error_json("body over " + std::to_string(state_.limits.body_limit) + " bytes")));
      }
      return send(json_answer(400, error_json("malformed request: " + ec.message())));
    }
    handle(parser_->release());
  }

  void handle(bhttp::request<bhttp::string_body>&& req) {
    version_ = req.version();
    // A request with a body (no route wants one) ends the connection: no framing doubts.
    keep_alive_ = req.keep_alive() && req.body().empty() && req.count(bhttp::field::transfer_encoding) == 0;
    head_ = req.method() == bhttp::verb::head;
    const std::string target(req.target());
    if (req.method() == bhttp::verb::post && target.substr(0, target.find('?')) == "/reload") {
      if (req.count(bhttp::field::origin) != 0) {
        return send(json_answer(403, error_json("POST /reload is not taken from web pages (the request has an "
                                                "Origin header); send it with curl or a script")));
      }
      return start_reload();
    }
    send(answer(req.method(), target, state_.handlers));
  }

  // A reload drains pipelines, which may take up to the shutdown timeout: it runs on a thread of
  // its own so that /metrics, /health and /ready keep answering meanwhile. One at a time.
  void start_reload() {
    std::lock_guard lock(state_.reload_mutex);
    if (state_.stopping) return send(json_answer(503, error_json("the engine is stopping")));
    if (state_.reloading) return send(json_answer(409, error_json("a reload is running already; try again later")));
    state_.reloading = true;
    if (state_.reload_thread.joinable()) state_.reload_thread.join();  // the last one is done (it posted)
    // Keeps the admin thread running until the answer is posted back.
    auto work = net::make_work_guard(state_.io);
    state_.reload_thread = std::thread([self = shared_from_this(), work = std::move(work)]() mutable {
      AdminResponse res = answer(bhttp::verb::post, "/reload", self->state_.handlers);
      {
        std::lock_guard lock(self->state_.reload_mutex);
        self->state_.reloading = false;
      }
      auto ex = self->stream_.get_executor();
      // The session moves into the handler: this thread must not drop the last reference (the
      // session's destructor touches state only the admin thread may touch).
      net::post(ex, [self = std::move(self), res = std::move(res)]() mutable { self->send(std::move(res)); });
      work.reset();
    });
  }

  void send(AdminResponse&& a) {
    answered_ = true;
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(a.status));
    res_.set(bhttp::field::content_type, a.content_type);
    res_.set(bhttp::field::cache_control, "no-store");
    if (!a.allow.empty()) res_.set(bhttp::field::allow, a.allow);
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(a.body);
    res_.prepare_payload();  // Content-Length of the body, also for HEAD
    if (head_) res_.body().clear();
    stream_.expires_after(state_.limits.write_timeout);
    bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (!self->keep_alive_) return self->close();
      self->do_read();
    });
  }

  beast::tcp_stream stream_;
  AdminServer::State& state_;
  const bool over_limit_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool answered_ = false;
};

namespace {

void do_accept(AdminServer::State& state) {
  state.acceptor.async_accept([&state](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !state.acceptor.is_open()) return;
    if (!ec) {
      const bool over = state.connections >= state.limits.max_connections;
      std::make_shared<Session>(std::move(socket), state, over)->run();
    } else {
      // EMFILE and the like: logged, and the next accept is tried; the admin thread is idle
      // otherwise, and these clear when connections close.
      state.log.warn("accept failed: ", ec.message());
    }
    do_accept(state);
  });
}

}  // namespace

AdminServer::AdminServer(const std::string& listen, AdminHandlers handlers, AdminLimits limits)
    : state_(std::make_shared<State>(std::move(handlers), limits)) {
  // The parser every plugin's `listen` option uses, so the same addresses are taken.
  std::optional<tcp::endpoint> endpoint;
  try {
    endpoint = parse_listen(listen);
  } catch (const ConfigError&) {
    throw AdminStartError(
        "engine.admin.listen: expected host:port with an IP address (or localhost), e.g. "
        "127.0.0.1:9600, got '" +
        listen + "'; an empty value turns the admin endpoint off");
  }
  auto& acceptor = state_->acceptor;
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw AdminStartError("cannot open the admin endpoint on " + listen + ": " + ec.message() +
                          "; set engine.admin.listen to a free address (port 0 picks one; \"\" turns the "
                          "endpoint off)");
  }
}

AdminServer::~AdminServer() { stop(); }

unsigned short AdminServer::port() const {
  beast::error_code ec;
  const auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void AdminServer::start() {
  if (started_) return;
  started_ = true;
  beast::error_code ec;
  const auto ep = state_->acceptor.local_endpoint(ec);
  const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  // Tests and scripts read the port from this line when they asked for port 0.
  state_->log.info("admin endpoint listening on http://", host, ":", ep.port(),
                   " (GET /metrics, /health, /ready, /pipelines; POST /reload)");
  do_accept(*state_);
  thread_ = std::thread([state = state_] {
    for (;;) {
      try {
        state->io.run();
        return;
      } catch (const std::exception& e) {
        state->log.error("an admin handler threw: ", e.what());  // and serve on
      }
    }
  });
}

void AdminServer::stop() {
  {
    std::lock_guard lock(state_->reload_mutex);
    if (state_->stopping) return;
    state_->stopping = true;
  }
  if (thread_.joinable()) {
    // The admin thread closes the listener and every connection; its run() then returns once a
    // running reload has posted its answer (the work guard).
    net::post(state_->io, [state = state_.get()] {
      beast::error_code ec;
      state->acceptor.close(ec);
      for (Session* s : std::set<Session*>(state->sessions)) s->close();
    });
    thread_.join();
  }
  if (state_->reload_thread.joinable()) state_->reload_thread.join();
}

}  // namespace sluice::admin
