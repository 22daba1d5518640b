#include "sink_connection.hpp"

namespace sluice::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

SinkConnection::SinkConnection(net::strand<net::io_context::executor_type> strand, const SinkUrl& url,
                               std::chrono::milliseconds timeout)
    : url_(url), timeout_(timeout), resolver_(strand), socket_(strand), deadline_(strand) {}

void SinkConnection::exchange(std::shared_ptr<SinkRequest> request, Done done) {
  request_ = std::move(request);
  done_ = std::move(done);
  timed_out_ = false;
  reused_ = socket_.is_open();
  parser_.emplace();
  parser_->body_limit(kMaxAnswerBody);
  parser_->header_limit(kMaxAnswerHeader);
  busy_ = true;
  deadline_.expires_after(timeout_);
  // A timer that expired just as the exchange finished may still run: the generation tells it
  // that its exchange is over (the connection may be idle or carrying the next one by then).
  deadline_.async_wait([self = shared_from_this(), generation = ++generation_](beast::error_code ec) {
    if (ec || !self->busy_ || generation != self->generation_) return;  // the exchange ended in time
    self->timed_out_ = true;
    self->resolver_.cancel();
    beast::error_code ignored;
    self->socket_.close(ignored);  // every pending operation ends with operation_aborted
  });
  if (reused_) return do_write();
  resolver_.async_resolve(url_.host, url_.port,
                          [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                            self->on_resolve(ec, results);
                          });
}

void SinkConnection::on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
  if (ec) return finish(ec);
  net::async_connect(socket_, results, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return self->finish(ec);
    beast::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);  // a request is written whole: no reason to wait
    self->do_write();
  });
}

void SinkConnection::do_write() {
  bhttp::async_write(socket_, *request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void SinkConnection::on_write(beast::error_code ec) {
  if (ec) return finish(ec);
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void SinkConnection::on_header(beast::error_code ec) {
  if (ec) return finish(ec);
  // An interim answer (100 Continue, 103 Early Hints) comes before the real one: it answers
  // nothing, and taking it for the answer would leave the real one on the connection, where the
  // next request would read it as its own. Read on; the exchange's timer still bounds the wait.
  if (const unsigned status = parser_->get().result_int(); status >= 100 && status < 200 && status != 101) {
    reused_ = false;  // the server has the request: a close from now on is no stale connection
    parser_.emplace();
    parser_->body_limit(kMaxAnswerBody);
    parser_->header_limit(kMaxAnswerHeader);
    return on_write({});
  }
  if (parser_->is_done()) return finish({});
  bhttp::async_read(socket_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void SinkConnection::on_body(beast::error_code ec) {
  // The status line and headers are in: a body that is too long, or cut, still leaves the status
  // to decide; only the connection cannot be used again.
  finish(ec ? ec : beast::error_code{});
}

void SinkConnection::finish(beast::error_code ec) {
  deadline_.cancel();
  busy_ = false;
  ++exchanges_;
  ExchangeOutcome out;
  const bool have_header = parser_ && parser_->is_header_done();
  if (timed_out_ && !have_header) {
    out.error = net::error::timed_out;
  } else if (!have_header) {
    out.error = ec ? ec : beast::error_code(net::error::connection_aborted);
    // Nothing of an answer came on a connection that had served before: the server closed it
    // while it was idle, and never saw this request's answer being due.
    out.stale = reused_ && !(parser_ && parser_->got_some()) &&
                (ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                 ec == bhttp::error::end_of_stream);
  }
  if (have_header) {
    auto& answer = parser_->get();
    out.status = answer.result_int();
    if (auto it = answer.find(bhttp::field::retry_after); it != answer.end())
      out.retry_after = std::string(it->value());
    if (auto it = answer.find(bhttp::field::location); it != answer.end()) out.location = std::string(it->value());
    out.body = std::move(answer.body());
    // A 101 (a protocol switch nobody asked for) leaves the connection in another protocol. Bytes
    // already read past the answer answer no request of ours (a server answering twice, a wrong
    // Content-Length): the next request on this connection would take them for its answer.
    out.reusable =
        !ec && !timed_out_ && parser_->is_done() && answer.keep_alive() && out.status >= 200 && buffer_.size() == 0;
  }
  parser_.reset();
  request_.reset();
  if (!out.reusable) {
    close();
  } else {
    idle_since_ = std::chrono::steady_clock::now();
  }
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(out));
}

void SinkConnection::close() {
  beast::error_code ignored;
  resolver_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  buffer_.clear();
}

}  // namespace sluice::http
