#pragma once
// The refresh token as a cookie, for browsers (docs/api/identity.md, "Browser sessions"): the page
// keeps its access token in memory only, and the refresh token in a cookie its scripts cannot
// read (HttpOnly), that travels only over a secure connection (Secure; browsers count
// http://localhost and 127.0.0.1 as secure), never with a request another site starts
// (SameSite=Strict), and only to the auth routes (Path=/api/v1/auth: refresh and logout need it).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "boxoffice/kernel/http.hpp"

namespace boxoffice::identity {

inline constexpr std::string_view kRefreshCookieName = "boxoffice_refresh";
inline constexpr std::string_view kRefreshCookiePath = "/api/v1/auth";

// The Set-Cookie value that stores `token` for `lifetime`.
std::string refreshCookie(std::string_view token, std::chrono::seconds lifetime);
// The Set-Cookie value that removes it (sign-out, or a refresh token that no longer works).
std::string expiredRefreshCookie();
// The token from the request's Cookie header, if it carries one.
std::optional<std::string> refreshTokenFromCookie(const http::Request& request);

}  // namespace boxoffice::identity
