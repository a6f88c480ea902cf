// Search expressions and paging parameters.
#include <doctest/doctest.h>

#include "paging.hpp"
#include "search_query.hpp"
#include "support.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::problemOf;

TEST_CASE("each term becomes a quoted prefix phrase, ANDed") {
  CHECK(ftsMatchExpression("rad") == "\"rad\"*");
  CHECK(ftsMatchExpression("  radio   head ") == "\"radio\"* \"head\"*");
  CHECK(ftsMatchExpression("Café") == "\"Café\"*");
}

TEST_CASE("user input cannot inject FTS5 syntax") {
  // Quotes are doubled inside the phrase; operators and column filters stay literal text.
  CHECK(ftsMatchExpression("rad\" OR name:x") == "\"rad\"\"\"* \"OR\"* \"name:x\"*");
  CHECK(ftsMatchExpression("NEAR(a b)") == "\"NEAR(a\"* \"b)\"*");
  CHECK(ftsMatchExpression("-") == std::nullopt);
  CHECK(ftsMatchExpression("\" * ( )") == std::nullopt);
  CHECK(ftsMatchExpression("") == std::nullopt);
}

TEST_CASE("code points, not bytes") {
  CHECK(codePoints("Café") == 4);
  CHECK(codePoints("日本") == 2);
}

TEST_CASE("bounded integers") {
  CHECK(parseBoundedInt("1", 1, 100) == 1);
  CHECK(parseBoundedInt("100", 1, 100) == 100);
  CHECK(parseBoundedInt("0", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("101", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("-1", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("1.5", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("99999999999999999999", 1, 100) == std::nullopt);
}

TEST_CASE("page and size") {
  http::Request request;
  auto page = parsePageRequest(request);
  CHECK(page.page == 1);
  CHECK(page.size == 20);
  request.query = http::parseQuery("page=3&size=10");
  page = parsePageRequest(request);
  CHECK(page.offset() == 20);
  request.query = http::parseQuery("page=0&size=101");
  auto caught = problemOf([&] { parsePageRequest(request); });
  CHECK(caught.status == 400);
  CHECK(caught.hasField("page"));
  CHECK(caught.hasField("size"));
}

TEST_CASE("the list envelope") {
  auto envelope = pageEnvelope({}, PageRequest{5, 10}, 41);
  CHECK(envelope.at("totalItems").as_int64() == 41);
  CHECK(envelope.at("totalPages").as_int64() == 5);
  CHECK(envelope.at("page").as_int64() == 5);
  CHECK(envelope.at("items").as_array().empty());
  CHECK(pageEnvelope({}, PageRequest{1, 20}, 0).at("totalPages").as_int64() == 0);
}
