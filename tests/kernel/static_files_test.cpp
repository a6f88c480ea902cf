// Static files from memory: which encoding an Accept-Encoding gets, and the headers of an answer
// (caching, Vary, ETag per representation, 304). The routes against the real binary:
// tests/integration/web_ui_test.cpp.
#include "boxoffice/kernel/static_files.hpp"

#include <doctest/doctest.h>

using namespace boxoffice;

namespace {

const StaticFile kScript{
    "assets/app-1a2b.js", "text/javascript; charset=utf-8", "\"abc\"", "console.log(1)", "GZ", "BR"};
const StaticFile kImage{"assets/logo-9f.png", "image/png", "\"img\"", "PNGDATA", "", ""};

http::Request requestWith(std::initializer_list<std::pair<const char*, const char*>> headers) {
  http::Request request;
  for (const auto& [name, value] : headers) request.headers[name] = value;
  return request;
}

}  // namespace

TEST_CASE("chooseCoding: brotli before gzip before identity, as the client allows") {
  CHECK(chooseCoding("gzip, deflate, br, zstd", true, true) == ContentCoding::Brotli);
  CHECK(chooseCoding("gzip, deflate", true, true) == ContentCoding::Gzip);
  CHECK(chooseCoding("", true, true) == ContentCoding::Identity);
  CHECK(chooseCoding("identity", true, true) == ContentCoding::Identity);
  // q=0 refuses a coding; a higher q for gzip wins over brotli.
  CHECK(chooseCoding("br;q=0, gzip", true, true) == ContentCoding::Gzip);
  CHECK(chooseCoding("br;q=0.5, gzip;q=0.8", true, true) == ContentCoding::Gzip);
  CHECK(chooseCoding("BR, GZIP", true, true) == ContentCoding::Brotli);
  CHECK(chooseCoding("*", true, true) == ContentCoding::Brotli);
  CHECK(chooseCoding("*;q=0", true, true) == ContentCoding::Identity);
  CHECK(chooseCoding("gzip;q=0, *", true, true) == ContentCoding::Brotli);
  // Only what the file has.
  CHECK(chooseCoding("br, gzip", false, false) == ContentCoding::Identity);
  CHECK(chooseCoding("br", true, false) == ContentCoding::Identity);
  CHECK(chooseCoding("br, gzip", true, false) == ContentCoding::Gzip);
  // Malformed q-values count as refusals, never as preferences.
  CHECK(chooseCoding("br;q=2, gzip", true, true) == ContentCoding::Gzip);
  CHECK(chooseCoding("br;q=abc", true, true) == ContentCoding::Identity);
}

TEST_CASE("serveStaticFile: an immutable asset, brotli, its own ETag, Vary, nosniff") {
  auto response = serveStaticFile(kScript, requestWith({{"Accept-Encoding", "gzip, br"}}), true, "");
  CHECK(response.status == 200);
  CHECK(response.body == "BR");
  CHECK(response.headers["Content-Encoding"] == "br");
  CHECK(response.headers["Content-Type"] == "text/javascript; charset=utf-8");
  CHECK(response.headers["Cache-Control"] == "public, max-age=31536000, immutable");
  CHECK(response.headers["Vary"] == "Accept-Encoding");
  CHECK(response.headers["ETag"] == "\"abc-br\"");
  CHECK(response.headers["X-Content-Type-Options"] == "nosniff");
  CHECK(response.headers.count("Content-Security-Policy") == 0);

  auto gzip = serveStaticFile(kScript, requestWith({{"Accept-Encoding", "gzip"}}), true, "");
  CHECK(gzip.body == "GZ");
  CHECK(gzip.headers["Content-Encoding"] == "gzip");
  CHECK(gzip.headers["ETag"] == "\"abc-gz\"");

  auto plain = serveStaticFile(kScript, requestWith({}), true, "");
  CHECK(plain.body == "console.log(1)");
  CHECK(plain.headers.count("Content-Encoding") == 0);
  CHECK(plain.headers["ETag"] == "\"abc\"");

  auto image = serveStaticFile(kImage, requestWith({{"Accept-Encoding", "br, gzip"}}), true, "");
  CHECK(image.body == "PNGDATA");
  CHECK(image.headers.count("Content-Encoding") == 0);
}

TEST_CASE("serveStaticFile: If-None-Match answers 304 without a body, the page is no-cache with its policy") {
  auto notModified =
      serveStaticFile(kScript, requestWith({{"Accept-Encoding", "br"}, {"If-None-Match", "\"abc-br\""}}), true, "");
  CHECK(notModified.status == 304);
  CHECK(notModified.body.empty());
  CHECK(notModified.headers["ETag"] == "\"abc-br\"");
  CHECK(notModified.headers["Vary"] == "Accept-Encoding");

  auto stale = serveStaticFile(kScript, requestWith({{"If-None-Match", "\"old\""}}), true, "");
  CHECK(stale.status == 200);

  auto page = serveStaticFile(kScript, requestWith({}), false, "default-src 'self'");
  CHECK(page.headers["Cache-Control"] == "no-cache");
  CHECK(page.headers["Content-Security-Policy"] == "default-src 'self'");
  CHECK(page.headers["Referrer-Policy"] == "same-origin");
}
