#include <boost/json.hpp>
#include <cctype>

#include "boxoffice/kernel/api_reference.hpp"

namespace boxoffice {

namespace {

namespace api = openapi;
namespace json = boost::json;

api::Schema problemSchema() {
  return api::openObject(
      {{"type", api::described(api::string(), "A URI naming the problem type: /problems/<slug> (docs/problems.md).")},
       {"title", api::string()},
       {"status", api::integer(400, 599)},
       api::optional("detail", api::string()),
       {"instance", api::string()},
       api::optional("errors", api::arrayOf(api::object({{"field", api::string()}, {"message", api::string()}})))});
}

// "/api/v1/events/{id}/publish" + Post -> "postApiV1EventsIdPublish"
std::string operationId(http::Method method, std::string_view pattern) {
  std::string id(to_string(method));
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      upper = true;
      continue;
    }
    id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return id;
}

json::object parameterJson(const api::Parameter& parameter, std::string_view in, bool required) {
  json::object out{{"name", parameter.name}, {"in", in}, {"schema", parameter.schema}};
  if (!parameter.description.empty()) out["description"] = parameter.description;
  if (required) out["required"] = true;
  return out;
}

json::array parameters(const Route& route, const api::Operation& doc) {
  json::array out;
  for (const auto& segment : route.segments) {
    if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') continue;
    std::string name = segment.substr(1, segment.size() - 2);
    api::Parameter parameter{name, api::string(), {}, true};
    for (const auto& declared : doc.path) {
      if (declared.name == name) parameter = declared;
    }
    out.push_back(parameterJson(parameter, "path", true));
  }
  for (const auto& parameter : doc.query) out.push_back(parameterJson(parameter, "query", parameter.required));
  for (const auto& parameter : doc.headers) out.push_back(parameterJson(parameter, "header", parameter.required));
  return out;
}

json::array security(const Access& access) {
  json::object bearer{{"bearer", json::array{}}};
  if (!access.readsToken()) return {};
  if (!access.needsPrincipal()) return {json::object{}, bearer};  // anonymous, or with a token
  return {bearer};
}

json::object responses(const Route& route, const api::Operation& doc) {
  json::object out;
  for (const auto& response : doc.responses) {
    json::object entry{{"description", response.description.empty() ? "OK" : response.description}};
    json::object content;
    if (response.json) content["application/json"] = json::object{{"schema", *response.json}};
    for (const auto& type : response.otherMediaTypes) content[type] = json::object{};
    if (!content.empty()) entry["content"] = std::move(content);
    out[std::to_string(response.status)] = std::move(entry);
  }
  std::string errors = "An RFC 9457 problem.";
  if (route.access.needsPrincipal()) errors += " 401 without a valid token";
  if (route.access.permission()) errors += ", 403 without the permission";
  if (route.access.metered()) errors += "; 429 over the rate limit";
  if (route.executor != nullptr) errors += "; 503 with Retry-After when its queue is full";
  out["default"] = json::object{
      {"description", errors},
      {"content", json::object{{"application/problem+json", json::object{{"schema", api::ref("Problem")}}}}}};
  return out;
}

json::object operationJson(const Route& route) {
  json::object op{{"operationId", operationId(route.method, route.pattern)}, {"tags", json::array{route.module}}};
  op["security"] = security(route.access);
  if (auto permission = route.access.permission()) op["x-permission"] = to_string(*permission);
  if (!route.doc) {
    op["summary"] = "Undocumented";
    op["x-undocumented"] = true;
    op["parameters"] = parameters(route, {});
    op["responses"] = responses(route, {});
    return op;
  }
  const auto& doc = *route.doc;
  op["summary"] = doc.summary;
  if (!doc.description.empty()) op["description"] = doc.description;
  if (auto list = parameters(route, doc); !list.empty()) op["parameters"] = std::move(list);
  if (doc.body) {
    op["requestBody"] =
        json::object{{"required", doc.bodyRequired},
                     {"content", json::object{{"application/json", json::object{{"schema", *doc.body}}}}}};
  }
  if (!doc.problems.empty()) {
    json::array types;
    for (const auto& slug : doc.problems) types.emplace_back("/problems/" + slug);
    op["x-problem-types"] = std::move(types);
  }
  op["responses"] = responses(route, doc);
  return op;
}

std::string methodKey(http::Method method) {
  std::string key(to_string(method));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

json::object openApiDocument(const Router& router, std::string_view version) {
  json::object paths;
  json::array tags;
  for (const auto& route : router.routes()) {
    auto& path = paths[route->pattern];
    if (!path.is_object()) path = json::object{};
    path.as_object()[methodKey(route->method)] = operationJson(*route);
    bool known = false;
    for (const auto& tag : tags) known = known || tag.as_object().at("name") == route->module.c_str();
    if (!known) tags.push_back(json::object{{"name", route->module}});
  }
  json::object schemas{{"Problem", problemSchema()}};
  for (const auto& [name, schema] : router.schemas().schemas()) schemas[name] = schema;
  return {{"openapi", "3.1.0"},
          {"info", json::object{{"title", "boxoffice"},
                                {"version", version},
                                {"description",
                                 "Event ticketing: events, inventory, orders, payments, tickets, notifications and "
                                 "audit. Errors are RFC 9457 problems; lists are paginated with page and size."}}},
          {"tags", std::move(tags)},
          {"paths", std::move(paths)},
          {"components",
           json::object{{"schemas", std::move(schemas)},
                        {"securitySchemes",
                         json::object{{"bearer", json::object{{"type", "http"},
                                                              {"scheme", "bearer"},
                                                              {"bearerFormat", "JWT"},
                                                              {"description", "POST /api/v1/auth/token"}}}}}}}};
}

}  // namespace boxoffice
