// The API as a contract: the document the server serves covers every route it routes, and
// nothing else; every reference resolves; the reference page is served under a strict CSP. The
// checker that TestServer runs over every answer of the suite is tested here too, on a small
// document, so it is known to catch what it is meant to catch.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <functional>
#include <set>

#include "contract_check.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;
namespace json = boost::json;

namespace {

// Every "$ref" anywhere in `value`.
void collectRefs(const json::value& value, std::set<std::string>& refs) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.as_object()) {
      if (key == "$ref" && member.is_string()) refs.insert(std::string(member.as_string()));
      collectRefs(member, refs);
    }
  } else if (value.is_array()) {
    for (const auto& item : value.as_array()) collectRefs(item, refs);
  }
}

// "/api/v1/events/{id}/scanners/{userId}" with every parameter filled in.
std::string concretePath(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "00000000-0000-4000-8000-000000000000";
      i = pattern.find('}', i);
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("openapi: every route is described, every operation has a success answer, every $ref resolves") {
  TestServer server;
  auto answer = server.get("/api/v1/openapi.json");
  REQUIRE(answer.status == 200);
  auto document = answer.json().as_object();
  CHECK(document.at("openapi") == "3.1.0");
  const auto& schemas = document.at("components").at("schemas").as_object();
  int operations = 0;
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      ++operations;
      std::string name = std::string(method) + " " + std::string(path);
      CAPTURE(name);
      CHECK_FALSE(op.as_object().contains("x-undocumented"));
      CHECK(!op.at("summary").as_string().empty());
      bool success = false;
      for (const auto& [status, response] : op.at("responses").as_object()) {
        success = success || (status.size() == 3 && status[0] == '2');
      }
      CHECK(success);
    }
  }
  CHECK(operations > 80);
  std::set<std::string> refs;
  collectRefs(document, refs);
  for (const auto& ref : refs) {
    CAPTURE(ref);
    REQUIRE(ref.starts_with("#/components/schemas/"));
    CHECK(schemas.contains(ref.substr(std::string("#/components/schemas/").size())));
  }
}

TEST_CASE("openapi: every documented operation is routed (the answer is never the router's 404 or 405)") {
  TestServer server;
  auto document = server.get("/api/v1/openapi.json").json().as_object();
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string verb(method);
      for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto target = concretePath(path);
      CAPTURE(verb + " " + target);
      // No token and an empty body: whatever the route answers (401, 400, 404 for the made-up
      // id...), it is the route answering.
      auto result = server.request(verb, target, verb == "GET" || verb == "DELETE" ? "" : "{}",
                                   {{"Content-Type", "application/json"}});
      CHECK(result.status != 405);
      CHECK(result.body.find("No resource lives at") == std::string::npos);
    }
  }
}

TEST_CASE("openapi: the reference page is served without scripts, under a CSP that allows only its own style") {
  TestServer server;
  auto page = server.get("/api/v1/reference");
  REQUIRE(page.status == 200);
  CHECK(page.header("content-type").starts_with("text/html"));
  CHECK(page.header("content-security-policy").starts_with("default-src 'none'; style-src 'sha256-"));
  CHECK(page.body.find("<script") == std::string::npos);
  auto document = server.get("/api/v1/openapi.json").json().as_object();
  for (const auto& [path, item] : document.at("paths").as_object()) {
    CAPTURE(std::string(path));
    CHECK(page.body.find("<code>" + std::string(path) + "</code>") != std::string::npos);
  }
}

TEST_CASE("contract check: catches undocumented members, wrong types, undocumented statuses and bare errors") {
  auto document = json::parse(R"({
    "paths": {
      "/things/{id}": {"get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "default": {"description": "problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
      "/things/special": {"get": {"responses": {"204": {"description": "nothing"}}}}
    },
    "components": {"schemas": {
      "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "when"],
                "properties": {"id": {"type": "string", "format": "uuid"}, "when": {"type": "string", "format": "date-time"},
                               "size": {"type": "integer", "minimum": 1}, "tag": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]},
                               "items": {"type": "array", "items": {"type": "integer"}}}},
      "Problem": {"type": "object", "required": ["type", "status"], "properties": {"type": {"type": "string"}, "status": {"type": "integer"}}}
    }}
  })")
                      .as_object();
  ContractCheck check(document);
  const std::string json = "application/json";
  const std::string good =
      R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"2026-12-03T10:00:00Z","size":2,"tag":null,"items":[1]})";
  CHECK(check.check("GET", "/things/x?y=1", 200, json, good).empty());
  CHECK(check.pathTemplateOf("/things/special") == "/things/special");  // a literal beats {id}
  CHECK(check.check("GET", "/things/special", 204, "", "").empty());

  auto first = [&](int status, const std::string& type, const std::string& body) {
    auto problems = check.check("GET", "/things/1", status, type, body);
    return problems.empty() ? std::string() : problems.front();
  };
  CHECK(first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"2026-12-03T10:00:00Z","extra":1})")
            .find("member 'extra' is not documented") != std::string::npos);
  CHECK(first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6"})").find("lacks required member 'when'") !=
        std::string::npos);
  CHECK(first(200, json, R"({"id":"nope","when":"2026-12-03T10:00:00Z"})").find("is not a UUID") != std::string::npos);
  CHECK(
      first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"yesterday"})").find("not an RFC 3339") !=
      std::string::npos);
  CHECK(first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"2026-12-03T10:00:00Z","size":0})")
            .find("below the minimum") != std::string::npos);
  CHECK(first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"2026-12-03T10:00:00Z","tag":"c"})")
            .find("matches none of anyOf") != std::string::npos);
  CHECK(first(200, json, R"({"id":"01a23e37-fdbd-73f1-a9f3-af994be745b6","when":"2026-12-03T10:00:00Z","items":["1"]})")
            .find("/items/0: is string") != std::string::npos);
  CHECK(first(201, json, good).find("status 201 is not documented") != std::string::npos);
  CHECK(first(200, "text/html", "<p>").find("which the document does not list") != std::string::npos);
  CHECK(first(404, json, R"({"type":"x","status":404})").find("not application/problem+json") != std::string::npos);
  CHECK(first(404, "application/problem+json", R"({"type":"x"})").find("lacks required member 'status'") !=
        std::string::npos);
  CHECK(first(404, "application/problem+json", R"({"type":"/problems/not-found","status":404})").empty());
  // A method the path does not document.
  CHECK(!check.check("DELETE", "/things/1", 200, json, good).empty());
  // Paths outside the document are the router's business (its own 404), not the contract's.
  CHECK(check.check("GET", "/elsewhere", 404, "application/problem+json", "{}").empty());
}
