#include "refresh_cookie.hpp"

namespace boxoffice::identity {

namespace {

std::string attributes(long long maxAgeSeconds) {
  return "; Path=" + std::string(kRefreshCookiePath) + "; Max-Age=" + std::to_string(maxAgeSeconds) +
         "; HttpOnly; Secure; SameSite=Strict";
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string refreshCookie(std::string_view token, std::chrono::seconds lifetime) {
  // The token is URL-safe base64 (no ';', ',', space or quote): it needs no encoding.
  return std::string(kRefreshCookieName) + "=" + std::string(token) + attributes(lifetime.count());
}

std::string expiredRefreshCookie() { return std::string(kRefreshCookieName) + "=" + attributes(0); }

std::optional<std::string> refreshTokenFromCookie(const http::Request& request) {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  // "a=1; boxoffice_refresh=…; b=2" (RFC 6265 §5.4). The first one of our name wins.
  std::string_view rest = *header;
  while (!rest.empty()) {
    auto semicolon = rest.find(';');
    auto pair = trim(rest.substr(0, semicolon));
    rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
    auto equals = pair.find('=');
    if (equals == std::string_view::npos || trim(pair.substr(0, equals)) != kRefreshCookieName) continue;
    auto value = trim(pair.substr(equals + 1));
    if (value.empty()) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace boxoffice::identity
