#pragma once
// Behind a reverse proxy every connection comes from the proxy. Only when the peer is one of
// server.trustedProxies does the server believe what the proxy says about the client:
// RFC 7239 `Forwarded` (preferred) or `X-Forwarded-For`, read from the right, skipping hops that
// are themselves trusted, so the client is the nearest address no trusted proxy vouches for past
// it. A client can prepend anything it likes to those headers; it cannot change what the
// trusted proxy appended last. The scheme comes from `Forwarded: proto=` or `X-Forwarded-Proto`.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry an IP address or a CIDR range ("10.0.0.0/8", "::1", "fd00::/8"); throws
  // ConfigError naming a bad one.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return ranges_.empty(); }
  bool contains(std::string_view address) const;

  struct Client {
    std::string address;
    std::string scheme;  // "http" or "https"
  };
  // The client as far as it can be known: the peer itself, unless the peer is trusted.
  Client resolve(std::string_view peer, const http::Headers& headers, std::string_view peerScheme) const;

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefixBits = 128;
  };
  static std::optional<std::array<std::uint8_t, 16>> parse(std::string_view address);
  std::vector<Range> ranges_;
};

}  // namespace boxoffice
