// Browser sessions: the refresh token as an HttpOnly cookie (docs/api/identity.md, "Browser
// sessions"). Sign-in with refreshTokenDelivery "cookie" keeps the token out of the body; refresh
// and logout take it from the cookie, but only with a JSON body (what a cross-site form cannot
// send); a cookie that stopped working is removed.
#include <doctest/doctest.h>
#include <string>

#include "json_text.hpp"
#include "problem_check.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;

namespace {

constexpr const char* kPassword = "Lantern-orchard-4711";

// "boxoffice_refresh=<token>; Path=..." → "<token>"
std::string cookieValue(const std::string& setCookie) {
  auto start = setCookie.find('=') + 1;
  return setCookie.substr(start, setCookie.find(';') - start);
}

HeaderList withCookie(const std::string& token) { return {{"Cookie", "theme=dark; boxoffice_refresh=" + token}}; }

std::string signInWithCookie(TestServer& server, const std::string& email, HttpResult* answer = nullptr) {
  REQUIRE(server
              .post("/api/v1/auth/register",
                    json({{"email", email}, {"password", kPassword}, {"displayName", "Cookie Person"}}))
              .status == 202);
  auto r = server.post("/api/v1/auth/token",
                       json({{"email", email}, {"password", kPassword}, {"refreshTokenDelivery", "cookie"}}));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  if (answer) *answer = r;
  return cookieValue(r.header("set-cookie"));
}

}  // namespace

TEST_CASE("sign-in with refreshTokenDelivery cookie: the refresh token only in an HttpOnly, Secure, Strict cookie") {
  TestServer server;
  HttpResult answer;
  auto token = signInWithCookie(server, "cookie@example.org", &answer);
  auto setCookie = answer.header("set-cookie");
  CHECK(setCookie.starts_with("boxoffice_refresh="));
  CHECK(token.size() >= 40);
  CHECK(setCookie.find("; Path=/api/v1/auth") != std::string::npos);
  CHECK(setCookie.find("; HttpOnly") != std::string::npos);
  CHECK(setCookie.find("; Secure") != std::string::npos);
  CHECK(setCookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(setCookie.find("; Max-Age=1209600") != std::string::npos);
  auto body = answer.json().as_object();
  CHECK_FALSE(body.contains("refreshToken"));
  CHECK(body.contains("accessToken"));
  CHECK(answer.header("cache-control") == "no-store");

  // The default stays the body, without a cookie.
  auto plain = server.post("/api/v1/auth/token", json({{"email", "cookie@example.org"}, {"password", kPassword}}));
  REQUIRE(plain.status == 200);
  CHECK(plain.json().as_object().contains("refreshToken"));
  CHECK(plain.header("set-cookie").empty());

  auto bad = server.post(
      "/api/v1/auth/token",
      json({{"email", "cookie@example.org"}, {"password", kPassword}, {"refreshTokenDelivery", "localStorage"}}));
  checkProblem(bad, 400, "validation");
  CHECK(bad.body.find("refreshTokenDelivery") != std::string::npos);
}

TEST_CASE("refresh from the cookie rotates it, and the used cookie replayed revokes the family and is removed") {
  TestServer server;
  auto first = signInWithCookie(server, "rotate-cookie@example.org");

  auto rotated = server.post("/api/v1/auth/refresh", "{}", withCookie(first));
  REQUIRE_MESSAGE(rotated.status == 200, rotated.body);
  CHECK_FALSE(rotated.json().as_object().contains("refreshToken"));
  auto second = cookieValue(rotated.header("set-cookie"));
  CHECK(second != first);
  CHECK(rotated.header("set-cookie").find("; HttpOnly") != std::string::npos);
  auto access = std::string(rotated.json().at("accessToken").as_string());
  CHECK(server.get("/api/v1/users/me", TestServer::bearer(access)).status == 200);

  // The first cookie again (a stolen copy): 401, the cookie is cleared, and the family is gone.
  auto replay = server.post("/api/v1/auth/refresh", "{}", withCookie(first));
  checkProblem(replay, 401, "unauthorized");
  CHECK(replay.header("set-cookie").starts_with("boxoffice_refresh=;"));
  CHECK(replay.header("set-cookie").find("Max-Age=0") != std::string::npos);
  checkProblem(server.post("/api/v1/auth/refresh", "{}", withCookie(second)), 401, "unauthorized");
}

TEST_CASE("refresh with the cookie needs a JSON body: a cross-site form post cannot use it") {
  TestServer server;
  auto token = signInWithCookie(server, "csrf@example.org");
  HeaderList form = withCookie(token);
  form.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  checkProblem(server.post("/api/v1/auth/refresh", "a=b", form), 415, "unsupported-media-type");
  HeaderList text = withCookie(token);
  text.emplace_back("Content-Type", "text/plain");
  checkProblem(server.post("/api/v1/auth/refresh", "{}", text), 415, "unsupported-media-type");
  // Neither refused attempt used the token up.
  CHECK(server.post("/api/v1/auth/refresh", "{}", withCookie(token)).status == 200);
  // No cookie and no token: the field is named.
  checkProblem(server.post("/api/v1/auth/refresh", "{}"), 400, "validation");
}

TEST_CASE("logout with the cookie revokes the session and removes the cookie") {
  TestServer server;
  HttpResult answer;
  auto token = signInWithCookie(server, "bye-cookie@example.org", &answer);
  auto access = std::string(answer.json().at("accessToken").as_string());
  HeaderList headers = withCookie(token);
  headers.emplace_back("Authorization", "Bearer " + access);
  auto out = server.post("/api/v1/auth/logout", "{}", headers);
  CHECK_MESSAGE(out.status == 204, out.body);
  CHECK(out.header("set-cookie").find("Max-Age=0") != std::string::npos);
  checkProblem(server.post("/api/v1/auth/refresh", "{}", withCookie(token)), 401, "unauthorized");
  CHECK(server.get("/api/v1/users/me", TestServer::bearer(access)).status == 401);
}
