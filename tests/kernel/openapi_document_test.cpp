// The OpenAPI document is assembled from the router: what the route declaration says (method,
// path parameters, access) comes from the route itself; an undescribed route still appears,
// marked, so it cannot hide; the reference page escapes what it prints.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <stdexcept>

#include "boxoffice/kernel/api_reference.hpp"

using namespace boxoffice;
using http::Method;
namespace api = boxoffice::openapi;

namespace {

Handler ok() {
  return [](const http::Request&, RequestContext&) { return http::Response::json(200, "{}"); };
}

Router sampleRouter() {
  Router router;
  router.schemas().define("Thing", api::object({{"id", api::uuid()}, api::optional("note", api::string())}));
  router.add(Method::Get, "/api/v1/things/{id}", "things", Access::optionalUser(), ok())
      .describe({.summary = "One thing",
                 .path = {{"id", api::uuid(), "The thing's id."}},
                 .query = {{"fields", api::string(), "Which members."}},
                 .responses = {{200, "The thing", api::ref("Thing")}},
                 .problems = {"not-found"}});
  router.add(Method::Post, "/api/v1/things", "things", Access::require(auth::Permission::EventsCreate), ok())
      .describe({.summary = "Make a thing",
                 .headers = {api::idempotencyKeyHeader()},
                 .body = api::object({{"name", api::string(1, 200)}}),
                 .responses = {{201, "Made", api::ref("Thing")}}});
  router.add(Method::Delete, "/api/v1/things/{id}/parts/{partId}", "things", Access::authenticated(), ok());
  router.add(Method::Get, "/health", "ops", Access::anyone().unmetered(), ok());
  return router;
}

const boost::json::object& operation(const boost::json::object& document, const char* path, const char* method) {
  return document.at("paths").at(path).at(method).as_object();
}

}  // namespace

TEST_CASE("openapi: path parameters, query, headers and bodies come out where OpenAPI 3.1 wants them") {
  auto document = openApiDocument(sampleRouter(), "9.9.9");
  CHECK(document.at("openapi") == "3.1.0");
  CHECK(document.at("info").at("version") == "9.9.9");
  const auto& get = operation(document, "/api/v1/things/{id}", "get");
  CHECK(get.at("summary") == "One thing");
  const auto& parameters = get.at("parameters").as_array();
  REQUIRE(parameters.size() == 2);
  CHECK(parameters[0].at("in") == "path");
  CHECK(parameters[0].at("required") == true);
  CHECK(parameters[0].at("schema").at("format") == "uuid");
  CHECK(parameters[1].at("in") == "query");
  CHECK(parameters[1].at("name") == "fields");
  CHECK(get.at("responses").at("200").at("content").at("application/json").at("schema").at("$ref") ==
        "#/components/schemas/Thing");
  CHECK(get.at("x-problem-types").as_array().front() == "/problems/not-found");
  // Every operation can answer a problem; the document says so once per operation.
  CHECK(get.at("responses").at("default").at("content").as_object().contains("application/problem+json"));

  const auto& post = operation(document, "/api/v1/things", "post");
  CHECK(post.at("parameters").at(0).at("in") == "header");
  CHECK(post.at("parameters").at(0).at("name") == "Idempotency-Key");
  const auto& body = post.at("requestBody").at("content").at("application/json").at("schema").as_object();
  CHECK(body.at("additionalProperties") == false);
  CHECK(body.at("required").as_array().front() == "name");
  CHECK(document.at("components").at("schemas").as_object().contains("Thing"));
  CHECK(document.at("components").at("schemas").as_object().contains("Problem"));
}

TEST_CASE("openapi: security follows the route's Access, with the permission named") {
  auto document = openApiDocument(sampleRouter(), "1");
  CHECK(operation(document, "/health", "get").at("security").as_array().empty());
  // optionalUser: anonymous ({}) or a bearer token.
  const auto& optional = operation(document, "/api/v1/things/{id}", "get").at("security").as_array();
  REQUIRE(optional.size() == 2);
  CHECK(optional[0].as_object().empty());
  const auto& post = operation(document, "/api/v1/things", "post");
  CHECK(post.at("security").as_array().size() == 1);
  CHECK(post.at("x-permission") == "events:create");
  CHECK(post.at("responses").at("default").at("description").as_string().find("403") != boost::json::string::npos);
}

TEST_CASE("openapi: a route nobody described is in the document, marked x-undocumented") {
  auto document = openApiDocument(sampleRouter(), "1");
  const auto& undescribed = operation(document, "/api/v1/things/{id}/parts/{partId}", "delete");
  CHECK(undescribed.at("x-undocumented") == true);
  // Its path parameters still come from the template.
  CHECK(undescribed.at("parameters").as_array().size() == 2);
  CHECK(!operation(document, "/api/v1/things/{id}", "get").contains("x-undocumented"));
}

TEST_CASE("openapi: a schema name defined twice differently is refused, the same definition twice is fine") {
  api::Components components;
  components.define("Event", api::object({{"id", api::uuid()}}));
  CHECK_NOTHROW(components.define("Event", api::object({{"id", api::uuid()}})));
  CHECK_THROWS_AS(components.define("Event", api::object({{"name", api::string()}})), std::logic_error);
}

TEST_CASE("openapi: the reference page lists every operation and escapes what it prints") {
  Router router = sampleRouter();
  router.add(Method::Get, "/api/v1/odd", "things", Access::anyone(), ok())
      .describe({.summary = "<script>alert(1)</script>", .responses = {{200, "ok", api::string()}}});
  auto page = apiReferencePage(openApiDocument(router, "1"));
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("/api/v1/things/{id}/parts/{partId}") != std::string::npos);
  CHECK(page.find("id=\"schema-Thing\"") != std::string::npos);
  CHECK(page.find("href=\"#schema-Thing\"") != std::string::npos);  // $ref becomes a link
  CHECK(page.find(std::string(apiReferenceStyle())) != std::string::npos);
}
