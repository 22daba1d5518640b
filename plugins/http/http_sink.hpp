#pragma once
// `http` sink: POSTs each batch to one URL, as NDJSON or a JSON array, over a bounded pool of
// keep-alive connections (Boost.Beast client). An event is acknowledged only when the server
// answered 2xx to the request that carried it. 5xx, 408, 429 (Retry-After honoured up to
// retry_after_max), connection errors and timeouts are retried with a backoff, for up to
// retry_timeout; then the events are nacked to their source. Any other 4xx refuses the request's
// events for good: they go to the pipeline's dead-letter path with the status and a short reason.
//
// Bounded memory: the engine hands the sink at most sink_max_in_flight batches; the sink holds
// their Deliveries until the server answered, which is the backpressure (the pipeline waits, the
// source is pushed back). A batch is cut into requests of at most max_request_bytes; a request's
// body is built only when a connection takes it, so at most max_connections bodies exist at once.
// While the server fails, the whole sink pauses (the backoff is the endpoint's, not a request's),
// so requests go out again in order; with max_connections: 1 the server sees them in batch order.
//
// Threading: write() and flush() run on the pipeline's threads (one at a time); everything else
// runs on one strand of the engine's io_context, and write() hands over by posting to it. flush()
// waits for the strand to report every request settled. The engine stops the io_context before
// it destroys the sink, so no handler runs during or after the destructor.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/asio.hpp"  // first: see the header
#include "sluice/sdk.hpp"

#include "sink_body.hpp"
#include "sink_connection.hpp"
#include "sink_url.hpp"

namespace sluice::http {

OptionTable http_sink_options();

class HttpSink final : public Sink {
 public:
  // The check step: the URL (https is refused, saying why) and the headers.
  static void validate(const Options& options, ValidationContext& check);
  HttpSink(const Options& options, Context& context);
  ~HttpSink() override;

  void write(std::shared_ptr<const Batch> batch, Delivery done) override;
  void flush(Deadline deadline) override;
  bool ready(std::string& why) const override;

 private:
  struct Flight;
  struct Request;
  using RequestPtr = std::shared_ptr<Request>;
  using ConnectionPtr = std::shared_ptr<SinkConnection>;

  // On the strand.
  void enqueue(RequestPtr request);
  void dispatch();
  ConnectionPtr take_connection();
  void send(const ConnectionPtr& connection, const RequestPtr& request);
  void on_answer(const ConnectionPtr& connection, const RequestPtr& request, ExchangeOutcome outcome);
  void retry(const RequestPtr& request, const std::string& why, std::optional<std::chrono::milliseconds> retry_after);
  void arm_resume_timer();
  void healthy();
  void problem(const std::string& why);
  // Settles every request still queued or on the wire with `reason` (a nack) and closes the pool.
  void give_up(const std::string& reason);
  // Settles one request: `reason` empty delivers its events; otherwise each is failed (a nack) or,
  // with `refused`, refused for good (dead-lettered).
  void settle(const RequestPtr& request, const std::string& reason, bool refused);

  Context& context_;
  const SinkUrl url_;
  const BodyFormat format_;
  const std::vector<std::pair<std::string, std::string>> headers_;
  const std::chrono::milliseconds timeout_;
  const std::size_t max_connections_;
  const std::size_t max_request_bytes_;
  const std::chrono::milliseconds retry_backoff_;
  const std::chrono::milliseconds retry_backoff_max_;
  const std::chrono::milliseconds retry_after_max_;
  const std::chrono::milliseconds retry_timeout_;
  const std::chrono::milliseconds idle_timeout_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;

  // Strand state.
  std::deque<RequestPtr> queue_;         // waiting for a connection, in sequence order
  std::vector<RequestPtr> on_the_wire_;  // sent, not yet answered
  std::vector<ConnectionPtr> idle_;      // open, most recently used last
  std::size_t connections_ = 0;          // idle + busy
  std::uint64_t next_sequence_ = 0;
  std::chrono::steady_clock::time_point paused_until_{};
  unsigned failures_in_a_row_ = 0;
  std::chrono::steady_clock::time_point outage_began_{};
  bool closed_ = false;
  boost::asio::steady_timer resume_timer_;

  // Shared with the pipeline's threads.
  mutable std::mutex mutex_;
  std::condition_variable settled_;
  std::size_t unsettled_ = 0;  // requests handed over and not yet settled
  std::string problem_;        // why the server cannot take events now; empty when it can
};

}  // namespace sluice::http
