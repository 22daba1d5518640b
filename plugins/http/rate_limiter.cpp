#include "rate_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "header_text.hpp"
#include "sluice/errors.hpp"

namespace sluice::http {
namespace {

std::string key_of(const IpAddress& ip) {
  char text[INET6_ADDRSTRLEN];
  if (ip.v4) {
    inet_ntop(AF_INET, ip.bytes.data() + 12, text, sizeof text);
    return text;
  }
  std::array<unsigned char, 16> block{};
  std::copy_n(ip.bytes.begin(), 8, block.begin());  // the /64
  inet_ntop(AF_INET6, block.data(), text, sizeof text);
  return std::string(text) + "/64";
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  text = trim_ows(text);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress ip;
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, v4, 4);
    ip.v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  ip.v4 = std::memcmp(ip.bytes.data(), mapped, 12) == 0;  // ::ffff:a.b.c.d, from a [::] listener
  return ip;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& cidrs) {
  for (const auto& entry : cidrs) {
    const auto slash = entry.find('/');
    const auto ip = parse_ip(std::string_view(entry).substr(0, slash));
    int prefix = ip && ip->v4 ? 32 : 128;
    bool ok = ip.has_value();
    if (ok && slash != std::string::npos) {
      const std::string bits = entry.substr(slash + 1);
      ok = !bits.empty() && bits.size() <= 3 && std::all_of(bits.begin(), bits.end(), ::isdigit) &&
           std::stoi(bits) <= prefix;
      if (ok) prefix = std::stoi(bits);
    }
    if (!ok) {
      throw ConfigError("trusted_proxies", "'" + entry +
                                               "' is not an address or CIDR block such as 10.0.0.0/8, "
                                               "192.168.1.7 or fd00::/8");
    }
    blocks_.push_back({*ip, ip->v4 ? prefix + 96 : prefix});
  }
}

bool TrustedProxies::contains(const IpAddress& ip) const {
  return std::any_of(blocks_.begin(), blocks_.end(), [&](const Block& b) {
    int bits = b.prefix;
    for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
      if ((ip.bytes[i] & mask) != (b.network.bytes[i] & mask)) return false;
    }
    return true;
  });
}

namespace {

// The client's address: `peer`, or behind trusted proxies the first address from the right of
// X-Forwarded-For that is not itself trusted. nullopt when `peer` is not an address.
std::optional<IpAddress> forwarded_client(std::string_view peer, std::string_view forwarded_for,
                                          const TrustedProxies& trusted) {
  auto ip = parse_ip(peer);
  if (!ip || !trusted.contains(*ip)) return ip;
  // From the right: each trusted proxy appended the address it got the request from.
  std::size_t end = forwarded_for.size();
  while (end > 0) {
    const auto comma = forwarded_for.rfind(',', end - 1);
    const std::size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
    const auto hop = trim_ows(forwarded_for.substr(begin, end - begin));
    if (!hop.empty()) {
      const auto hop_ip = parse_ip(hop);
      if (!hop_ip) break;  // garbled: the request is the proxy's that sent it
      ip = hop_ip;
      if (!trusted.contains(*hop_ip)) break;
    }
    if (comma == std::string_view::npos) break;
    end = comma;
  }
  return ip;
}

}  // namespace

std::string client_key(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& trusted) {
  const auto ip = forwarded_client(peer, forwarded_for, trusted);
  return ip ? key_of(*ip) : std::string(peer.substr(0, 64));
}

std::string client_address(std::string_view peer, std::string_view forwarded_for, const TrustedProxies& trusted) {
  const auto ip = forwarded_client(peer, forwarded_for, trusted);
  if (!ip) return std::string(peer.substr(0, 64));
  char text[INET6_ADDRSTRLEN];
  if (ip->v4) return inet_ntop(AF_INET, ip->bytes.data() + 12, text, sizeof text);
  return inet_ntop(AF_INET6, ip->bytes.data(), text, sizeof text);
}

ClientRateLimiter::ClientRateLimiter(double rate, double burst, std::size_t max_clients)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_clients_(std::max<std::size_t>(max_clients, 1)) {}

std::optional<std::chrono::seconds> ClientRateLimiter::take(const std::string& client, double cost,
                                                            Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  cost = std::max(cost, 1.0);
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    // Full: forget the client seen least recently. Its bucket has refilled the longest; a client
    // that comes back starts with a full bucket, as it would have after being idle.
    if (buckets_.size() >= max_clients_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(client);
    it = buckets_.emplace(client, Bucket{burst_, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + std::max(elapsed, 0.0) * rate_);
  b.last = now;
  const double need = std::min(cost, burst_);
  if (b.tokens >= need) {
    b.tokens -= cost;
    return std::nullopt;
  }
  const auto wait = static_cast<std::int64_t>(std::ceil((need - b.tokens) / rate_));
  return std::chrono::seconds(std::max<std::int64_t>(wait, 1));
}

std::size_t ClientRateLimiter::clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace sluice::http
