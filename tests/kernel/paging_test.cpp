// ?page=&size= and the list envelope: the one parser every list route uses.
#include "boxoffice/kernel/paging.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <string>

#include "boxoffice/kernel/problem.hpp"

using namespace boxoffice;

namespace {

http::Request withQuery(const std::string& query) {
  http::Request request;
  request.query = http::parseQuery(query);
  return request;
}

Problem refusalOf(const std::string& query) {
  try {
    parsePageRequest(withQuery(query));
  } catch (const Problem& p) {
    return p;
  }
  FAIL("no Problem thrown for " << query);
  return Problem(0, "", "");
}

bool names(const Problem& p, const std::string& field) {
  for (const auto& e : p.errors()) {
    if (e.field == field) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("paging: bounded integers accept plain decimals only") {
  CHECK(parseBoundedInt("1", 1, 100) == 1);
  CHECK(parseBoundedInt("100", 1, 100) == 100);
  CHECK(parseBoundedInt("007", 1, 100) == 7);
  CHECK(parseBoundedInt("0", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("101", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("-1", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("+1", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("1.5", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("1e3", 1, 10000) == std::nullopt);
  CHECK(parseBoundedInt(" 1", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("99999999999999999999", 1, 100) == std::nullopt);
  CHECK(parseBoundedInt("9223372036854775808", 1, 100) == std::nullopt);
}

TEST_CASE("paging: defaults, bounds and offset") {
  auto defaults = parsePageRequest(withQuery(""));
  CHECK(defaults.page == 1);
  CHECK(defaults.size == kDefaultPageSize);
  CHECK(defaults.offset() == 0);

  auto third = parsePageRequest(withQuery("page=3&size=10"));
  CHECK(third.page == 3);
  CHECK(third.size == 10);
  CHECK(third.offset() == 20);

  auto largest = parsePageRequest(withQuery("page=1000000&size=100"));
  CHECK(largest.offset() == 99'999'900);  // past 32 bits' comfort, still exact
}

TEST_CASE("paging: junk, zero and overflow are one 400 naming each bad parameter") {
  auto both = refusalOf("page=0&size=101");
  CHECK(both.status() == 400);
  CHECK(names(both, "page"));
  CHECK(names(both, "size"));
  CHECK(both.errors().front().message == "must be an integer from 1 to 1000000");

  CHECK(names(refusalOf("page=x"), "page"));
  CHECK(names(refusalOf("page="), "page"));
  CHECK(names(refusalOf("page=1000001"), "page"));
  CHECK(names(refusalOf("page=99999999999999999999999"), "page"));
  CHECK(names(refusalOf("size=0"), "size"));
  CHECK(names(refusalOf("size=-5"), "size"));
  CHECK(refusalOf("size=abc").errors().size() == 1);
}

TEST_CASE("paging: the envelope") {
  auto envelope = pageEnvelope({}, PageRequest{5, 10}, 41);
  CHECK(envelope.at("totalItems").as_int64() == 41);
  CHECK(envelope.at("totalPages").as_int64() == 5);
  CHECK(envelope.at("page").as_int64() == 5);
  CHECK(envelope.at("size").as_int64() == 10);
  CHECK(envelope.at("items").as_array().empty());
  CHECK(pageEnvelope({}, PageRequest{1, 10}, 40).at("totalPages").as_int64() == 4);
  // An empty list has no pages.
  CHECK(pageEnvelope({}, PageRequest{1, 20}, 0).at("totalPages").as_int64() == 0);
}
