#include <stdexcept>

#include "boxoffice/kernel/openapi.hpp"
#include "boxoffice/kernel/paging.hpp"

namespace boxoffice::openapi {

Schema string() { return {{"type", "string"}}; }

Schema string(std::size_t minLength, std::size_t maxLength) {
  return {{"type", "string"}, {"minLength", minLength}, {"maxLength", maxLength}};
}

Schema uuid() { return {{"type", "string"}, {"format", "uuid"}}; }

Schema dateTime() { return {{"type", "string"}, {"format", "date-time"}}; }

Schema integer() { return {{"type", "integer"}}; }

Schema integer(std::int64_t minimum, std::int64_t maximum) {
  return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

Schema number() { return {{"type", "number"}}; }

Schema boolean() { return {{"type", "boolean"}}; }

Schema anyValue() { return {}; }

Schema enumeration(std::initializer_list<std::string_view> values) {
  boost::json::array list;
  for (auto value : values) list.emplace_back(value);
  return {{"type", "string"}, {"enum", std::move(list)}};
}

Schema arrayOf(Schema items) { return {{"type", "array"}, {"items", std::move(items)}}; }

Schema mapOf(Schema values) { return {{"type", "object"}, {"additionalProperties", std::move(values)}}; }

Schema nullable(Schema schema) {
  // OpenAPI 3.1 has no `nullable`; JSON Schema says "this, or null".
  return {{"anyOf", boost::json::array{std::move(schema), boost::json::object{{"type", "null"}}}}};
}

Schema ref(std::string_view component) { return {{"$ref", "#/components/schemas/" + std::string(component)}}; }

Schema described(Schema schema, std::string_view description) {
  schema["description"] = description;
  return schema;
}

Schema pageOf(Schema item) {
  return object({{"items", arrayOf(std::move(item))},
                 {"page", integer(1, kMaxPage)},
                 {"size", integer(1, kMaxPageSize)},
                 {"totalItems", integer()},
                 {"totalPages", integer()}});
}

Field optional(std::string name, Schema schema) { return {std::move(name), std::move(schema), false}; }

namespace {

Schema objectSchema(std::vector<Field> fields, bool closed) {
  boost::json::object properties;
  boost::json::array required;
  for (auto& field : fields) {
    if (field.required) required.emplace_back(field.name);
    properties[field.name] = std::move(field.schema);
  }
  Schema schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  if (closed) schema["additionalProperties"] = false;
  return schema;
}

}  // namespace

Schema object(std::vector<Field> fields) { return objectSchema(std::move(fields), true); }

Schema openObject(std::vector<Field> fields) { return objectSchema(std::move(fields), false); }

void Components::define(const std::string& name, Schema schema) {
  auto [where, inserted] = schemas_.try_emplace(name, schema);
  if (!inserted && where->second != schema) {
    throw std::logic_error("OpenAPI schema '" + name + "' is defined twice, differently");
  }
}

std::vector<Parameter> pageParameters(std::vector<Parameter> filters) {
  filters.push_back({"page", integer(1, kMaxPage), "Page number, from 1."});
  filters.push_back({"size", integer(1, kMaxPageSize), "Items per page (default 20)."});
  return filters;
}

Parameter ifMatchHeader(bool required) {
  return {"If-Match", string(), "The ETag last read; the change is refused with 412 if it no longer matches.",
          required};
}

Parameter idempotencyKeyHeader(bool required) {
  return {"Idempotency-Key", string(1, 255),
          "Makes a retry safe: the same key with the same body answers the first result again.", required};
}

}  // namespace boxoffice::openapi
