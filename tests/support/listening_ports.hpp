#pragma once
// The TCP ports this process listens on, read from its own file descriptors. An engine built in
// the test process with `listen: 127.0.0.1:0` binds while its components are made; comparing the
// ports before and after tells the test which one the OS chose: no fixed port, no log parsing,
// no race with another process probing for a free port.

#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

namespace sluice::test {

inline std::set<unsigned short> listening_ports() {
  std::set<unsigned short> ports;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    int listening = 0;
    socklen_t length = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening == 0) continue;
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) continue;
    if (address.ss_family == AF_INET) ports.insert(ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port));
    if (address.ss_family == AF_INET6) ports.insert(ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port));
  }
  return ports;
}

// The one port in `after` that is not in `before`; throws when there is not exactly one.
inline unsigned short the_new_port(const std::set<unsigned short>& before, const std::set<unsigned short>& after) {
  std::set<unsigned short> added;
  for (const auto port : after) {
    if (before.count(port) == 0) added.insert(port);
  }
  if (added.size() != 1)
    throw std::logic_error("expected one new listening port, found " + std::to_string(added.size()));
  return *added.begin();
}

}  // namespace sluice::test
