#pragma once
// A per-client rate limit: one token bucket per client, in a bounded table. A token is one event,
// so a batch of 1000 events costs 1000 and one click costs 1; a request costs at least 1.
//
// The client is the peer's address; when the peer is a trusted proxy (`trusted_proxies`), it is
// the first address from the right of X-Forwarded-For that is not itself trusted (what a
// trusted proxy appended; what the client wrote further left is not believed). IPv6 clients
// are counted by their /64, the block one host usually holds.

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::http {

// An IP address as 16 bytes (IPv4 as IPv4-mapped IPv6), for comparing and hashing.
struct IpAddress {
  std::array<unsigned char, 16> bytes{};
  bool v4 = false;
};
std::optional<IpAddress> parse_ip(std::string_view text);

// CIDR blocks ("10.0.0.0/8", "fd00::/8", or one address "127.0.0.1"). A malformed entry is a
// ConfigError at `trusted_proxies`.
class TrustedProxies {
 public:
  explicit TrustedProxies(const std::vector<std::string>& cidrs);
  bool contains(const IpAddress& ip) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    IpAddress network;
    int prefix;  // in bits of the 16-byte form
  };
  std::vector<Block> blocks_;
};

// The key a client is counted by: `peer` (the socket's address), or from `forwarded_for` (every
// X-Forwarded-For value, joined with commas) when the peer is trusted.
std::string client_key(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& trusted);
// The client's address as text, found as for client_key but whole (an IPv6 client's own address,
// not its /64): what `client_address: true` records.
std::string client_address(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& trusted);

class ClientRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` tokens a second, at most `burst` saved up, at most `max_clients` buckets kept.
  // rate 0: no limit.
  ClientRateLimiter(double rate, double burst, std::size_t max_clients);
  bool enabled() const { return rate_ > 0; }

  // Takes `cost` tokens for `client`. A cost above the burst passes only from a full bucket, and
  // leaves it in debt: a batch larger than the burst is never refused for ever, and the client
  // then waits as long as the batch took. nullopt: allowed; otherwise the time until it would be.
  // Thread-safe.
  std::optional<std::chrono::seconds> take(const std::string& client, double cost, Clock::time_point now);
  std::size_t clients() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
    std::list<std::string>::iterator lru;
  };
  const double rate_;
  const double burst_;
  const std::size_t max_clients_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // most recently seen first
};

}  // namespace sluice::http
