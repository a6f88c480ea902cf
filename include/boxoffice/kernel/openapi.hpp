#pragma once
// The API as a contract: each route carries its own OpenAPI 3.1 description (an Operation,
// attached with Route::describe), and the document served at /api/v1/openapi.json is assembled
// from the router, so a route without a description cannot hide: it shows up marked
// `x-undocumented`, and a test fails on it. Method, path, path parameters, security and the
// error answers come from the route declaration itself; the Operation adds what only the module
// knows: summary, query parameters, request and response schemas, the problem types it answers.
//
// Schemas are JSON Schema 2020-12 (what OpenAPI 3.1 uses), built with the small helpers below.
// object() is closed (additionalProperties: false): the integration tests validate every answer
// they receive against the document, so a field a module adds without describing it fails a test.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice::openapi {

using Schema = boost::json::object;

Schema string();
Schema string(std::size_t minLength, std::size_t maxLength);
Schema uuid();
Schema dateTime();  // RFC 3339, e.g. "2026-05-01T19:30:00Z"
Schema integer();
Schema integer(std::int64_t minimum, std::int64_t maximum);
Schema number();
Schema boolean();
Schema anyValue();  // any JSON value (e.g. a message payload stored as received)
Schema enumeration(std::initializer_list<std::string_view> values);
Schema arrayOf(Schema items);
Schema mapOf(Schema values);  // an object with arbitrary keys
Schema nullable(Schema schema);
Schema ref(std::string_view component);  // "#/components/schemas/<component>"
Schema described(Schema schema, std::string_view description);
// The list envelope of kernel/paging.hpp around `item`.
Schema pageOf(Schema item);

struct Field {
  std::string name{};
  Schema schema{};
  bool required = true;
};
// An optional member: absent in some answers (or optional in a request body).
Field optional(std::string name, Schema schema);
// A closed object: exactly these members (those not optional() are required).
Schema object(std::vector<Field> fields);
// The same, open to members not listed (extension members, free-form metadata).
Schema openObject(std::vector<Field> fields);

struct Parameter {
  std::string name{};
  Schema schema{};
  std::string description{};
  bool required = false;
};

struct ResponseDoc {
  int status = 200;
  std::string description{};
  std::optional<Schema> json{};                // application/json body, if it has one
  std::vector<std::string> otherMediaTypes{};  // e.g. "text/csv", "image/png", "text/event-stream"
};

struct Operation {
  std::string summary{};
  std::string description{};
  std::vector<Parameter> path{};  // types of {params}; a param not listed here is a plain string
  std::vector<Parameter> query{};
  std::vector<Parameter> headers{};  // request headers the route reads (If-Match, Idempotency-Key)
  std::optional<Schema> body{};      // application/json request body
  bool bodyRequired = true;
  std::vector<ResponseDoc> responses{};
  std::vector<std::string> problems{};  // problem slugs (docs/problems.md) this route answers
};

// Named schemas under #/components/schemas, shared by the routes of every module.
class Components {
 public:
  // Throws std::logic_error when `name` is already defined differently (two modules, one name).
  void define(const std::string& name, Schema schema);
  const std::map<std::string, Schema>& schemas() const { return schemas_; }

 private:
  std::map<std::string, Schema> schemas_;
};

// Common request parameters, so every list and precondition reads the same. A list's own
// filters come first, then page and size.
std::vector<Parameter> pageParameters(std::vector<Parameter> filters = {});
Parameter ifMatchHeader(bool required = false);
Parameter idempotencyKeyHeader(bool required = false);

}  // namespace boxoffice::openapi
