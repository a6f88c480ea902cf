// The web UI as the binary serves it (src/web, kernel/static_files): the page at / and at every
// client route, hashed assets with long caching, precompressed brotli/gzip by Accept-Encoding,
// ETag/304, HEAD, the security headers, and 404 problems for anything not built in.
#include <doctest/doctest.h>
#include <regex>
#include <string>
#include <vector>

#include "problem_check.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;

namespace {

// The assets the page names (src="/assets/…" and href="/assets/…").
std::vector<std::string> assetsOf(const std::string& html) {
  std::vector<std::string> out;
  std::regex reference(R"((?:src|href)="(/assets/[^"]+)\")");
  for (std::sregex_iterator it(html.begin(), html.end(), reference), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

std::string withSuffix(const std::vector<std::string>& paths, const std::string& suffix) {
  for (const auto& path : paths) {
    if (path.ends_with(suffix)) return path;
  }
  return {};
}

}  // namespace

TEST_CASE("web UI: the page at / has a strict Content-Security-Policy and is revalidated on every load") {
  TestServer server;
  auto page = server.get("/");
  REQUIRE_MESSAGE(page.status == 200, page.body);
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  CHECK(page.header("cache-control") == "no-cache");
  CHECK(page.header("x-content-type-options") == "nosniff");
  CHECK(page.header("referrer-policy") == "same-origin");
  auto policy = page.header("content-security-policy");
  CHECK(policy.find("script-src 'self'") != std::string::npos);
  CHECK(policy.find("style-src 'self'") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("object-src 'none'") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  CHECK(policy.find("unsafe-eval") == std::string::npos);
  // Every script is a file of this build: nothing inline the policy would have to allow.
  std::regex script(R"(<script\b[^>]*>)");
  int scripts = 0;
  for (std::sregex_iterator it(page.body.begin(), page.body.end(), script), end; it != end; ++it, ++scripts) {
    CHECK_MESSAGE(it->str().find("src=\"/assets/") != std::string::npos, it->str());
  }
  CHECK(scripts >= 1);
  CHECK(page.body.find("style=") == std::string::npos);
  CHECK(page.body.find("<style") == std::string::npos);
}

TEST_CASE("web UI: every client route answers the same page, other paths stay 404 problems") {
  TestServer server;
  auto index = server.get("/").body;
  for (const char* path : {"/events/0d3e0000-0000-4000-8000-000000000101", "/orders/anything", "/tickets", "/signin",
                           "/signup", "/signin?next=%2Ftickets", "/scan", "/scan/0d3e0000-0000-4000-8000-000000000101",
                           "/admin?section=audit", "/orders", "/notifications", "/organizer", "/organizer/new",
                           "/organizer/events/0d3e0000-0000-4000-8000-000000000101",
                           "/organizer/events/0d3e0000-0000-4000-8000-000000000101/edit"}) {
    auto page = server.get(path);
    CHECK_MESSAGE(page.status == 200, path);
    CHECK_MESSAGE(page.body == index, path);
    CHECK(page.header("content-security-policy").find("default-src 'self'") != std::string::npos);
  }
  checkProblem(server.get("/no-such-page"), 404, "not-found");
  checkProblem(server.get("/events/a/b"), 404, "not-found");
  checkProblem(server.get("/scan/a/b"), 404, "not-found");
  checkProblem(server.get("/organizer/events/a/b"), 404, "not-found");
  checkProblem(server.get("/api/v1/no-such-route"), 404, "not-found");
}

TEST_CASE("web UI: hashed assets are immutable, precompressed (brotli, gzip) by Accept-Encoding, with ETag and 304") {
  TestServer server;
  auto assets = assetsOf(server.get("/").body);
  auto script = withSuffix(assets, ".js");
  auto style = withSuffix(assets, ".css");
  REQUIRE_MESSAGE(!script.empty(), "the page names no script");
  REQUIRE_MESSAGE(!style.empty(), "the page names no stylesheet");
  // Content-hashed names: name-<hash>.js
  CHECK(std::regex_match(script, std::regex(R"(/assets/[A-Za-z0-9_-]+-[A-Za-z0-9_-]{8,}\.js)")));

  auto plain = server.get(script);
  REQUIRE(plain.status == 200);
  CHECK(plain.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(plain.header("cache-control") == "public, max-age=31536000, immutable");
  CHECK(plain.header("vary") == "Accept-Encoding");
  CHECK(plain.header("content-encoding").empty());
  CHECK(plain.header("x-content-type-options") == "nosniff");

  auto brotli = server.get(script, {{"Accept-Encoding", "gzip, deflate, br"}});
  REQUIRE(brotli.status == 200);
  CHECK(brotli.header("content-encoding") == "br");
  CHECK(brotli.body.size() < plain.body.size() / 2);
  CHECK(brotli.header("etag") != plain.header("etag"));

  auto gzip = server.get(script, {{"Accept-Encoding", "gzip"}});
  REQUIRE(gzip.status == 200);
  CHECK(gzip.header("content-encoding") == "gzip");
  REQUIRE(gzip.body.size() > 2);
  CHECK(static_cast<unsigned char>(gzip.body[0]) == 0x1f);  // the gzip magic number
  CHECK(static_cast<unsigned char>(gzip.body[1]) == 0x8b);

  auto css = server.get(style, {{"Accept-Encoding", "br"}});
  CHECK(css.header("content-type") == "text/css; charset=utf-8");
  CHECK(css.header("content-encoding") == "br");

  auto again = server.get(script, {{"Accept-Encoding", "br"}, {"If-None-Match", brotli.header("etag")}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  auto page = server.get("/");
  CHECK(server.get("/", {{"If-None-Match", page.header("etag")}}).status == 304);

  auto head = server.request("HEAD", script, {}, {{"Accept-Encoding", "br"}});
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-encoding") == "br");
}

TEST_CASE("web UI: only the files built in exist, no path reaches the file system") {
  TestServer server;
  checkProblem(server.get("/assets/no-such-file.js"), 404, "not-found");
  checkProblem(server.get("/assets/..%2F..%2F..%2Fetc%2Fpasswd"), 404, "not-found");
  checkProblem(server.get("/assets/%2e%2e%2fCMakeCache.txt"), 404, "not-found");
  checkProblem(server.get("/assets/../index.html"), 404, "not-found");
  checkProblem(server.get("/index.html/../../etc/passwd"), 404, "not-found");
  checkProblem(server.get("/assets/"), 404, "not-found");
  auto wrongMethod = server.post("/assets/x.js", "{}");
  CHECK(wrongMethod.status == 405);
}

TEST_CASE("web UI: with CORS on, an asset varies on Accept-Encoding and Origin (the pipeline adds, never replaces)") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_CORS_ALLOWED_ORIGINS", "https://tickets.example"}};
  TestServer server(options);
  auto script = withSuffix(assetsOf(server.get("/").body), ".js");
  REQUIRE(!script.empty());
  auto answer = server.get(script, {{"Origin", "https://tickets.example"}, {"Accept-Encoding", "br"}});
  CHECK(answer.status == 200);
  CHECK(answer.header("vary") == "Accept-Encoding, Origin");
  CHECK(answer.header("access-control-allow-origin") == "https://tickets.example");
  // An API answer varies on Origin alone, as before.
  CHECK(server.get("/health", {{"Origin", "https://tickets.example"}}).header("vary") == "Origin");
}

TEST_CASE("web UI: the service worker is served from the root, revalidated, and leaves the API alone") {
  TestServer server;
  auto worker = server.get("/sw.js", {{"Accept-Encoding", "identity"}});
  REQUIRE(worker.status == 200);
  CHECK(worker.header("content-type").starts_with("text/javascript"));
  // Revalidated on every use: a new build's worker is picked up at once.
  CHECK(worker.header("cache-control") == "no-cache");
  CHECK(worker.header("x-content-type-options") == "nosniff");
  // It never answers API requests from its cache.
  CHECK(worker.body.find("\"/api/\"") != std::string::npos);
  // The page registers it.
  auto page = server.get("/");
  bool registers = false;
  for (const auto& asset : assetsOf(page.body)) {
    if (asset.ends_with(".js") && server.get(asset).body.find("/sw.js") != std::string::npos) registers = true;
  }
  CHECK(registers);
  checkProblem(server.get("/sw.js.map"), 404, "not-found");
}
