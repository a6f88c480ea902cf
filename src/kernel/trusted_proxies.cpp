#include "boxoffice/kernel/trusted_proxies.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

#include "boxoffice/kernel/config.hpp"

namespace boxoffice {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> splitList(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(separator);
    parts.push_back(trim(text.substr(0, at)));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A node of Forwarded's for= or an X-Forwarded-For entry, without quotes, brackets or port:
// "192.0.2.60", "\"[2001:db8::1]:4711\"", "192.0.2.60:8080".
std::string nodeAddress(std::string_view node) {
  node = trim(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"') node = node.substr(1, node.size() - 2);
  if (!node.empty() && node.front() == '[') {
    auto close = node.find(']');
    return std::string(close == std::string_view::npos ? node.substr(1) : node.substr(1, close - 1));
  }
  // One colon: IPv4 with a port. More: a bare IPv6 address (X-Forwarded-For writes them so).
  if (std::count(node.begin(), node.end(), ':') == 1) node = node.substr(0, node.find(':'));
  return std::string(node);
}

struct Hop {
  std::string address;
  std::string proto;
};

// RFC 7239 elements, left to right: for= and proto= of each.
std::vector<Hop> forwardedHops(std::string_view header) {
  std::vector<Hop> hops;
  for (auto element : splitList(header, ',')) {
    Hop hop;
    for (auto pair : splitList(element, ';')) {
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      auto name = lower(trim(pair.substr(0, eq)));
      auto value = trim(pair.substr(eq + 1));
      if (name == "for") hop.address = nodeAddress(value);
      if (name == "proto") hop.proto = lower(nodeAddress(value));
    }
    hops.push_back(std::move(hop));
  }
  return hops;
}

}  // namespace

std::optional<std::array<std::uint8_t, 16>> TrustedProxies::parse(std::string_view address) {
  boost::system::error_code ec;
  auto parsed = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return std::nullopt;
  if (parsed.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, parsed.to_v4()).to_bytes();
  return parsed.to_v6().to_bytes();
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    std::string_view text = entry;
    auto slash = text.find('/');
    auto bytes = parse(text.substr(0, slash));
    bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
    int bits = v4 ? 32 : 128;
    bool ok = bytes.has_value();
    if (ok && slash != std::string_view::npos) {
      auto digits = text.substr(slash + 1);
      ok = !digits.empty() && digits.size() <= 3 &&
           std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); });
      if (ok) bits = std::stoi(std::string(digits));
      ok = ok && bits <= (v4 ? 32 : 128);
    }
    if (!ok) throw ConfigError("server.trustedProxies: '" + entry + "' is not an IP address or CIDR range");
    ranges_.push_back({*bytes, v4 ? bits + 96 : bits});
  }
}

bool TrustedProxies::contains(std::string_view address) const {
  auto bytes = parse(address);
  if (!bytes) return false;
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& range) {
    for (int bit = 0; bit < range.prefixBits; ++bit) {
      auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8));
      if (((*bytes)[bit / 8] & mask) != (range.bytes[bit / 8] & mask)) return false;
    }
    return true;
  });
}

TrustedProxies::Client TrustedProxies::resolve(std::string_view peer, const http::Headers& headers,
                                               std::string_view peerScheme) const {
  Client client{std::string(peer), std::string(peerScheme)};
  if (ranges_.empty() || !contains(peer)) return client;

  std::vector<Hop> hops;
  if (auto forwarded = headers.find("Forwarded"); forwarded != headers.end()) {
    hops = forwardedHops(forwarded->second);
  } else if (auto xff = headers.find("X-Forwarded-For"); xff != headers.end()) {
    for (auto entry : splitList(xff->second, ',')) hops.push_back({nodeAddress(entry), {}});
    if (auto proto = headers.find("X-Forwarded-Proto"); proto != headers.end() && !hops.empty()) {
      hops.back().proto = lower(trim(splitList(proto->second, ',').back()));
    }
  }
  // The nearest proxy's word on the scheme; only http and https mean anything here.
  if (!hops.empty() && (hops.back().proto == "http" || hops.back().proto == "https")) client.scheme = hops.back().proto;
  // From the right: the first hop that is not itself a trusted proxy is the client. A hop that
  // is no address at all ("unknown", garbage) ends the walk: nothing left of it can be believed.
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (!parse(hop->address)) break;
    client.address = hop->address;
    if (!contains(hop->address)) break;
  }
  return client;
}

}  // namespace boxoffice
