// ETag, If-Match and If-None-Match (RFC 9110 §13): the one reading every module uses.
#include "boxoffice/kernel/preconditions.hpp"

#include <doctest/doctest.h>

#include "boxoffice/kernel/problem.hpp"

using namespace boxoffice;

namespace {

IfMatch ifMatch(const std::string& value) { return *IfMatch::parse(value); }

http::Request get(std::optional<std::string> ifNoneMatch, http::Method method = http::Method::Get) {
  http::Request request;
  request.method = method;
  if (ifNoneMatch) request.headers["If-None-Match"] = *ifNoneMatch;
  return request;
}

}  // namespace

TEST_CASE("preconditions: an ETag is the version as a strong entity-tag") {
  CHECK(etagOf(3) == "\"3\"");
  CHECK(etagOf(0) == "\"0\"");
}

TEST_CASE("preconditions: a content ETag is the first 128 bits of the body's SHA-256, quoted") {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad (FIPS 180-2).
  CHECK(etagOfContent("abc") == "\"ba7816bf8f01cfea414140de5dae2223\"");
  CHECK(etagOfContent("{\"items\":[]}") == etagOfContent("{\"items\":[]}"));
  CHECK(etagOfContent("{\"items\":[]}") != etagOfContent("{\"items\":[1]}"));
  auto tag = etagOfContent("page");
  CHECK(notModified(get(tag), tag));  // usable with If-None-Match like a version tag
  CHECK(notModified(get("W/" + tag), tag));
  CHECK_FALSE(notModified(get(etagOfContent("other page")), tag));
}

TEST_CASE("preconditions: entity-tag lists parse members, weak flags and malformed parts") {
  auto list = EntityTagList::parse(R"( "1" , W/"2",,"x,y" )");
  REQUIRE(list.tags.size() == 3);
  CHECK_FALSE(list.malformed);
  CHECK(list.tags[0].opaque == "\"1\"");
  CHECK_FALSE(list.tags[0].weak);
  CHECK(list.tags[1].weak);
  CHECK(list.tags[1].opaque == "\"2\"");
  CHECK(list.tags[2].opaque == "\"x,y\"");  // a comma inside the quotes belongs to the tag

  CHECK(EntityTagList::parse("*").any);
  CHECK(EntityTagList::parse(" * ").any);
  auto bad = EntityTagList::parse("3, \"4\", w/\"5\", \"6");
  CHECK(bad.malformed);
  REQUIRE(bad.tags.size() == 1);
  CHECK(bad.tags[0].opaque == "\"4\"");
  CHECK(EntityTagList::parse("").malformed);
  CHECK(EntityTagList::parse(" , ").malformed);
  CHECK(EntityTagList::parse("\"1\" \"2\"").malformed);  // members need a comma between them
  CHECK_FALSE(EntityTagList::parse("\"1\", *").any);     // `*` only stands alone
}

TEST_CASE("preconditions: If-Match compares strongly, accepts * and lists") {
  CHECK(ifMatch("\"3\"").matches(3));
  CHECK_FALSE(ifMatch("\"3\"").matches(4));
  CHECK_FALSE(ifMatch("W/\"3\"").matches(3));  // a weak tag never guards a write
  CHECK(ifMatch("*").matches(3));
  CHECK(IfMatch::any().matches(42));
  CHECK(ifMatch("\"1\", \"3\"").matches(3));
  CHECK(ifMatch("W/\"3\", \"3\"").matches(3));
  CHECK_FALSE(ifMatch("3").matches(3));  // unquoted: not an ETag we issued
  CHECK_FALSE(ifMatch("").matches(3));
  CHECK_FALSE(ifMatch("\"1\", *").matches(3));
  // One malformed member spoils the whole header: it guards nothing, so it matches nothing.
  CHECK_FALSE(ifMatch("x, \"3\"").matches(3));
  CHECK_FALSE(ifMatch("*, \"3\"").matches(3));
  CHECK_FALSE(ifMatch("\"3\", \"4").matches(3));
  CHECK(ifMatch("\"3\"").matches("\"3\""));
}

TEST_CASE("preconditions: If-Match absent, required and failing") {
  http::Request request;
  CHECK_FALSE(IfMatch::from(request).has_value());
  try {
    IfMatch::required(request, "Send If-Match.");
    FAIL("no 428");
  } catch (const Problem& p) {
    CHECK(p.status() == 428);
    CHECK(p.detail() == "Send If-Match.");
  }
  request.headers["if-match"] = "\"2\"";
  CHECK(IfMatch::required(request).matches(2));

  CHECK_NOTHROW(checkIfMatch(std::nullopt, 5, "event"));  // not sent: unconditional
  CHECK_NOTHROW(checkIfMatch(ifMatch("\"5\""), 5, "event"));
  try {
    checkIfMatch(ifMatch("W/\"5\""), 5, "event");
    FAIL("no 412");
  } catch (const Problem& p) {
    CHECK(p.status() == 412);
    CHECK(p.headers().at("ETag") == "\"5\"");
    CHECK(p.detail().find("event has changed") != std::string::npos);
  }
}

TEST_CASE("preconditions: If-None-Match compares weakly and answers 304 on GET and HEAD only") {
  CHECK(notModified(get("\"3\""), "\"3\""));
  CHECK(notModified(get("W/\"3\""), "\"3\""));
  CHECK(notModified(get("\"1\", W/\"3\""), "\"3\""));
  CHECK(notModified(get("*"), "\"3\""));
  CHECK(notModified(get("\"3\"", http::Method::Head), "\"3\""));
  CHECK_FALSE(notModified(get("\"2\""), "\"3\""));
  CHECK_FALSE(notModified(get("3"), "\"3\""));
  CHECK_FALSE(notModified(get(std::nullopt), "\"3\""));
  CHECK_FALSE(notModified(get("\"3\"", http::Method::Post), "\"3\""));

  auto response = notModifiedResponse("\"3\"");
  CHECK(response.status == 304);
  CHECK(response.headers.at("ETag") == "\"3\"");
  CHECK(response.body.empty());
}
