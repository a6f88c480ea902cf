// The error model (RFC 9457 problem+json) and field-level validation of request bodies.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <string>

#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"

using namespace boxoffice;

namespace {
http::Request jsonRequest(std::string body, std::string contentType = "application/json") {
  http::Request request;
  request.method = http::Method::Post;
  request.headers["Content-Type"] = std::move(contentType);
  request.body = std::move(body);
  return request;
}

Problem problemOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Problem& p) {
    return p;
  }
  FAIL("no Problem thrown");
  return Problem(0, "", "");
}

// The field names of a validation problem, in order.
std::vector<std::string> fields(const Problem& p) {
  std::vector<std::string> out;
  for (const auto& e : p.errors()) out.push_back(e.field);
  return out;
}

bool hasField(const Problem& p, const std::string& field) {
  auto f = fields(p);
  return std::find(f.begin(), f.end(), field) != f.end();
}
}  // namespace

TEST_CASE("problem: rendered as application/problem+json with the RFC 9457 members") {
  auto problem = Problem::notFound("No event has the id 42.");
  auto response = toResponse(problem, "/api/v1/events/42");
  CHECK(response.status == 404);
  CHECK(response.headers.at("content-type") == "application/problem+json");
  auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("type").as_string() == "/problems/not-found");
  CHECK(body.at("title").is_string());
  CHECK(body.at("status").as_int64() == 404);
  CHECK(body.at("detail").as_string() == "No event has the id 42.");
  CHECK(body.at("instance").as_string() == "/api/v1/events/42");
  CHECK_FALSE(body.contains("errors"));
}

TEST_CASE("problem: validation lists every field error") {
  auto problem = Problem::validation({{"email", "is required"}, {"price.amount", "must be an integer"}});
  CHECK(problem.status() == 400);
  auto body = boost::json::parse(toResponse(problem, "/x").body).as_object();
  CHECK(body.at("type").as_string() == "/problems/validation");
  auto errors = body.at("errors").as_array();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].at("field").as_string() == "email");
  CHECK(errors[0].at("message").as_string() == "is required");
  CHECK(errors[1].at("field").as_string() == "price.amount");
}

TEST_CASE("problem: extra headers travel with the response") {
  auto unauthorized = toResponse(Problem::unauthorized(), "/x");
  CHECK(unauthorized.status == 401);
  CHECK(unauthorized.headers.at("WWW-Authenticate") == "Bearer");
  auto limited = toResponse(Problem(429, "rate-limited", "Too many requests.").withHeader("Retry-After", "3"), "/x");
  CHECK(limited.status == 429);
  CHECK(limited.headers.at("retry-after") == "3");
}

TEST_CASE("problem: extension members are rendered beside the standard ones, which they cannot replace") {
  auto problem = Problem::conflict("already-checked-in", "Already in.", "Scanned before.")
                     .withMember("checkedInAt", "2027-03-14T19:02:00Z")
                     .withMember("gate", "North \"A\"");
  auto body = boost::json::parse(toResponse(problem, "/x").body).as_object();
  CHECK(body.at("checkedInAt") == "2027-03-14T19:02:00Z");
  CHECK(body.at("gate") == "North \"A\"");
  CHECK(body.at("status") == 409);
  CHECK_THROWS_AS(Problem::notFound().withMember("status", "200"), std::logic_error);
}

TEST_CASE("problem: the common constructors carry their status") {
  CHECK(Problem::badRequest("x").status() == 400);
  CHECK(Problem::forbidden().status() == 403);
  CHECK(Problem::conflict("duplicate", "Duplicate.", "x").status() == 409);
  CHECK(Problem::preconditionFailed().status() == 412);
  CHECK(Problem::preconditionRequired().status() == 428);
  CHECK(Problem::unsupportedMediaType().status() == 415);
  CHECK(Problem::unavailable("x").status() == 503);
}

TEST_CASE("problem: text with quotes and newlines stays valid JSON") {
  auto response = toResponse(Problem::badRequest("a \"quoted\"\nline"), "/p?q=\"");
  auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("detail").as_string() == "a \"quoted\"\nline");
}

TEST_CASE("problem: invalid UTF-8 the client sent is replaced, so the answer stays valid JSON") {
  // A percent-decoded path such as /dead-letters/%ff%fe/replay, echoed in detail and instance.
  std::string bad = "id \xff\xfe, overlong \xc0\xaf, surrogate \xed\xa0\x80, fine \xc3\xa9";
  auto response = toResponse(Problem::notFound("No dead letter has the id " + bad + "."), "/x/" + bad);
  boost::json::error_code ec;
  auto parsed = boost::json::parse(response.body, ec);  // Boost.JSON rejects invalid UTF-8
  REQUIRE_FALSE(ec);
  std::string detail(parsed.as_object().at("detail").as_string());
  CHECK(detail.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(detail.find("\xc3\xa9") != std::string::npos);  // valid text is kept as it was
  CHECK(detail.find('\xff') == std::string::npos);
  CHECK(std::string(parsed.as_object().at("instance").as_string()).find('\xfe') == std::string::npos);
}

TEST_CASE("json body: content type must be JSON (415)") {
  CHECK(problemOf([] { json::parseObjectBody(jsonRequest("{}", "text/plain")); }).status() == 415);
  CHECK(problemOf([] { json::parseObjectBody(jsonRequest("{}", "application/x-www-form-urlencoded")); }).status() ==
        415);
  http::Request noType;
  noType.body = "{}";
  CHECK(problemOf([&] { json::parseObjectBody(noType); }).status() == 415);
  CHECK_NOTHROW(json::parseObjectBody(jsonRequest("{}", "application/json; charset=utf-8")));
  CHECK_NOTHROW(json::parseObjectBody(jsonRequest("{}", "Application/JSON")));
  CHECK_NOTHROW(json::parseObjectBody(jsonRequest("{}", "application/merge-patch+json")));
}

TEST_CASE("json body: malformed JSON or a non-object is 400") {
  for (auto body : {"{", "", "{\"a\":}", "nul", "[1,2]", "\"text\"", "42", "{\"a\":1} trailing"}) {
    CAPTURE(body);
    auto p = problemOf([&] { json::parseObjectBody(jsonRequest(body)); });
    CHECK(p.status() == 400);
  }
  auto ok = json::parseObjectBody(jsonRequest(R"({"a": 1})"));
  CHECK(ok.at("a").as_int64() == 1);
}

TEST_CASE("json body: absurd nesting is rejected, not a stack overflow") {
  std::string deep(10000, '[');
  deep = "{\"a\":" + deep + std::string(10000, ']') + "}";
  CHECK(problemOf([&] { json::parseObjectBody(jsonRequest(deep)); }).status() == 400);
}

TEST_CASE("object reader: an integer too large for 64 bits is out of range, not 'not an integer'") {
  auto body = boost::json::parse(R"({"count": 9223372036854775808})").as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  in.requiredInt("count", 0, 10);
  REQUIRE(v.errors().size() == 1);
  CHECK(v.errors()[0].message == "must be between 0 and 10");
}

TEST_CASE("object reader: a body of thousands of unknown keys gets a bounded list of errors") {
  boost::json::object body;
  for (int i = 0; i < 20000; ++i) body["k" + std::to_string(i)] = i;
  json::Validation v;
  json::ObjectReader in(body, v);
  in.rejectUnknown();
  auto p = problemOf([&] { v.throwIfAny(); });
  CHECK(p.status() == 400);
  CHECK(fields(p).size() == Problem::kMaxFieldErrors);
  CHECK(p.detail() == "20000 fields are invalid; the first 50 are listed.");
  auto few = problemOf([] { throw Problem::validation({{"a", "x"}, {"b", "y"}}); });
  CHECK(few.detail() == "2 fields are invalid.");
}

TEST_CASE("object reader: control characters in a string are refused by field, tab and newlines kept") {
  boost::json::object body{{"name", std::string("a\0b", 3)},
                           {"title", "bell\x07"},
                           {"erase", "x\x7f"},
                           {"notes", "line one\nline\ttwo\r\n"}};
  json::Validation v;
  json::ObjectReader in(body, v);
  in.requiredString("name", 1, 100);
  in.requiredString("title", 1, 100);
  in.requiredString("erase", 1, 100);
  auto notes = in.requiredString("notes", 1, 100);
  CHECK(notes == "line one\nline\ttwo\r\n");
  auto p = problemOf([&] { v.throwIfAny(); });
  CHECK(fields(p) == std::vector<std::string>{"name", "title", "erase"});
}

TEST_CASE("object reader: missing, mistyped and out-of-range fields are named") {
  auto body = boost::json::parse(R"({"name": 5, "count": "x", "age": 500, "flag": "yes",
                                     "tags": {}, "nested": {"inner": true}})")
                  .as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  in.requiredString("email", 3, 254);
  in.requiredString("name", 1, 100);
  in.requiredInt("count", 0, 10);
  in.requiredInt("age", 0, 150);
  in.optionalBool("flag");
  in.optionalArray("tags", 10);
  if (const auto* nested = in.requiredObject("nested")) {
    json::ObjectReader inner(*nested, v, in.field("nested"));
    inner.requiredString("inner", 1, 10);
  }
  CHECK_FALSE(v.ok());
  auto p = problemOf([&] { v.throwIfAny(); });
  CHECK(p.status() == 400);
  for (auto field : {"email", "name", "count", "age", "flag", "tags", "nested.inner"}) {
    CAPTURE(field);
    CHECK(hasField(p, field));
  }
  CHECK(p.errors().size() == 7);
}

TEST_CASE("object reader: unknown fields are named when rejected") {
  auto body =
      boost::json::parse(R"({"email": "a@b.c", "password": "x", "isAdmin": true, "role": "Admin"})").as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  in.requiredString("email", 3, 254);
  in.requiredString("password", 1, 100);
  in.rejectUnknown();
  auto p = problemOf([&] { v.throwIfAny(); });
  CHECK(fields(p) == std::vector<std::string>{"isAdmin", "role"});
}

TEST_CASE("object reader: valid input yields values and no errors") {
  auto body = boost::json::parse(R"({"email": "a@b.c", "count": 3, "flag": false, "tags": ["x"],
                                     "note": null})")
                  .as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  CHECK(in.requiredString("email", 3, 254) == "a@b.c");
  CHECK(in.requiredInt("count", 0, 10) == 3);
  CHECK(in.optionalBool("flag") == false);
  REQUIRE(in.optionalArray("tags", 5) != nullptr);
  CHECK_FALSE(in.optionalString("note", 1, 10).has_value());  // null means absent
  CHECK_FALSE(in.optionalInt("missing", 0, 1).has_value());
  in.rejectUnknown();
  CHECK(v.ok());
  CHECK_NOTHROW(v.throwIfAny());
}

TEST_CASE("object reader: string length counts characters, not bytes") {
  auto body = boost::json::parse(R"({"name": "ééé"})").as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  CHECK(in.requiredString("name", 1, 3) == "ééé");
  CHECK(v.ok());
}

TEST_CASE("object reader: an empty required string is an error") {
  auto body = boost::json::parse(R"({"name": ""})").as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  in.requiredString("name", 1, 10);
  CHECK_FALSE(v.ok());
  CHECK(v.errors().at(0).field == "name");
}

TEST_CASE("object reader: too many array items is an error naming the field") {
  auto body = boost::json::parse(R"({"items": [1,2,3]})").as_object();
  json::Validation v;
  json::ObjectReader in(body, v);
  CHECK(in.requiredArray("items", 2) == nullptr);
  REQUIRE(v.errors().size() == 1);
  CHECK(v.errors()[0].field == "items");
}

TEST_CASE("problem: every kernel title is a sentence ending with a period (docs/problems.md)") {
  for (const auto& problem :
       {Problem::validation({{"f", "m"}}), Problem::badRequest("d"), Problem::unauthorized(), Problem::forbidden(),
        Problem::notFound(), Problem::preconditionFailed(), Problem::preconditionRequired(),
        Problem::unsupportedMediaType("d"), Problem::unavailable("d")}) {
    CAPTURE(problem.slug());
    CHECK(problem.title().ends_with("."));
  }
}
