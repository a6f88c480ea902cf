// Plain request helpers: query parsing and header lookup.
#include "boxoffice/kernel/http.hpp"

#include <doctest/doctest.h>

using namespace boxoffice::http;

TEST_CASE("parseQuery percent-decodes names and values, and reads '+' as a space") {
  auto query = parseQuery("q=CAF%C3%89&city=S%C3%A3o+Paulo&empty=&flag&a%20b=1");
  CHECK(query.find("q")->second == "CAFÉ");
  CHECK(query.find("city")->second == "São Paulo");
  CHECK(query.find("empty")->second.empty());
  CHECK(query.count("flag") == 1);
  CHECK(query.find("a b")->second == "1");
}

TEST_CASE("parseQuery keeps repeated names and survives malformed escapes") {
  auto query = parseQuery("tag=a&tag=b&bad=%zz&&");
  CHECK(query.count("tag") == 2);
  CHECK(query.find("bad")->second == "%zz");
}

TEST_CASE("header names compare case-insensitively") {
  Request request;
  request.headers["Content-Type"] = "application/json";
  CHECK(request.header("content-type") == "application/json");
  CHECK_FALSE(request.header("Accept").has_value());
}
