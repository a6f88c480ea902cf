#include "refresh_cookie.hpp"

#include <doctest/doctest.h>

using namespace boxoffice;
using namespace boxoffice::identity;

namespace {
http::Request withCookie(const char* value) {
  http::Request request;
  request.headers["Cookie"] = value;
  return request;
}
}  // namespace

TEST_CASE("refresh cookie: HttpOnly, Secure, SameSite=Strict, for the auth routes only") {
  CHECK(refreshCookie("abc_-123", std::chrono::seconds(3600)) ==
        "boxoffice_refresh=abc_-123; Path=/api/v1/auth; Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
  CHECK(expiredRefreshCookie() ==
        "boxoffice_refresh=; Path=/api/v1/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}

TEST_CASE("refresh cookie: read from among other cookies, by exact name") {
  CHECK(refreshTokenFromCookie(withCookie("boxoffice_refresh=tok")) == "tok");
  CHECK(refreshTokenFromCookie(withCookie("theme=dark; boxoffice_refresh=tok; lang=de")) == "tok");
  CHECK(refreshTokenFromCookie(withCookie("theme=dark;boxoffice_refresh=tok")) == "tok");
  CHECK(refreshTokenFromCookie(withCookie("boxoffice_refresh=first; boxoffice_refresh=second")) == "first");
  CHECK_FALSE(refreshTokenFromCookie(withCookie("xboxoffice_refresh=tok")));
  CHECK_FALSE(refreshTokenFromCookie(withCookie("boxoffice_refresh_old=tok")));
  CHECK_FALSE(refreshTokenFromCookie(withCookie("boxoffice_refresh=")));
  CHECK_FALSE(refreshTokenFromCookie(withCookie("")));
  CHECK_FALSE(refreshTokenFromCookie(http::Request{}));
}
