#pragma once
// What the `http` sink makes of an answer, and how long it waits before trying again.
//   2xx                      delivered: the events are acknowledged
//   408, 429, 5xx            the server cannot take them now: retried after a backoff (Retry-After
//                            honoured up to a bound)
//   any other 4xx            refused for good: the events go to the dead-letter path with the status
//                            and a short reason from the body
//   1xx, 3xx, anything else  not delivered, and retrying the same URL will not help (a redirect is
//                            not followed): a nack to the source, which decides
// Connection errors and timeouts are retried like a 5xx.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::http {

enum class AnswerVerdict { delivered, retry, refused, failed };

AnswerVerdict verdict_for(unsigned status);

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"), as a
// wait from `now` (never negative); nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// retry_backoff doubled per failure in a row, at most retry_backoff_max. failures >= 1.
std::chrono::milliseconds backoff_after(unsigned failures, std::chrono::milliseconds first,
                                        std::chrono::milliseconds max);

// At most `limit` bytes of an answer's body for a log line or a dead letter's reason: on one
// line, bytes outside printable ASCII shown as '?', "…" when cut.
std::string short_reason(std::string_view body, std::size_t limit = 200);

}  // namespace sluice::http
