#include "contract_check.hpp"

#include <algorithm>
#include <cctype>

namespace boxoffice::testing {

namespace json = boost::json;

namespace {

std::vector<std::string_view> segmentsOf(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string typeOf(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "?";
}

bool hasType(const json::value& value, std::string_view type) {
  auto actual = typeOf(value);
  return actual == type || (type == "number" && actual == "integer");
}

std::size_t codePoints(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool looksLikeDateTime(std::string_view text) {
  // 2026-05-01T19:30:00Z / ...00.123+02:00: the shape, not the calendar (the server's parser
  // is tested on its own).
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  char last = text.back();
  return last == 'Z' || last == 'z' || (text.size() >= 25 && text[text.size() - 3] == ':');
}

bool looksLikeUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ContractCheck::ContractCheck(json::object document) : document_(std::move(document)) {}

std::string ContractCheck::pathTemplateOf(std::string_view target) const {
  auto path = target.substr(0, target.find('?'));
  auto actual = segmentsOf(path);
  std::string best;
  int bestLiterals = -1;
  for (const auto& [pattern, item] : document_.at("paths").as_object()) {
    auto expected = segmentsOf(pattern);
    if (expected.size() != actual.size()) continue;
    int literals = 0;
    bool fits = true;
    for (std::size_t i = 0; i < expected.size() && fits; ++i) {
      bool parameter = expected[i].size() > 2 && expected[i].front() == '{' && expected[i].back() == '}';
      if (parameter) {
        fits = !actual[i].empty();
      } else {
        fits = expected[i] == actual[i];
        literals += 1;
      }
    }
    if (fits && literals > bestLiterals) {
      best = std::string(pattern);
      bestLiterals = literals;
    }
  }
  return best;
}

std::vector<std::string> ContractCheck::check(std::string_view method, std::string_view target, int status,
                                              std::string_view contentType, std::string_view body) const {
  std::vector<std::string> problems;
  auto pattern = pathTemplateOf(target);
  if (pattern.empty()) return problems;
  auto methodKey = lower(method);
  if (methodKey == "options") return problems;  // CORS preflight: the kernel's, for every path
  if (methodKey == "head") methodKey = "get";
  const auto& item = document_.at("paths").at(pattern).as_object();
  const auto* operation = item.if_contains(methodKey);
  std::string name = std::string(method) + " " + pattern;
  if (operation == nullptr) {
    if (status != 405) problems.push_back(name + ": not in the document, yet answered " + std::to_string(status));
    return problems;
  }
  const auto& responses = operation->at("responses").as_object();
  const json::value* declared = responses.if_contains(std::to_string(status));
  auto mediaType = lower(contentType.substr(0, contentType.find(';')));
  bool isProblem = mediaType == "application/problem+json";
  if (status >= 400 && !isProblem) {
    problems.push_back(name + ": error " + std::to_string(status) + " answered as '" + std::string(contentType) +
                       "', not application/problem+json");
    return problems;
  }
  if (declared == nullptr) {
    if (status >= 400) {
      declared = responses.if_contains("default");
    } else if (status == 304 || status == 101) {
      return problems;  // conditional GET, WebSocket upgrade
    } else {
      problems.push_back(name + ": status " + std::to_string(status) + " is not documented");
      return problems;
    }
  }
  if (method == "HEAD" || status == 204 || status == 304) return problems;
  const auto* content = declared->as_object().if_contains("content");
  if (content == nullptr) {
    if (!body.empty())
      problems.push_back(name + ": status " + std::to_string(status) + " has a body it does not document");
    return problems;
  }
  const auto* media = content->as_object().if_contains(mediaType);
  if (media == nullptr) {
    problems.push_back(name + ": status " + std::to_string(status) + " answered as '" + std::string(contentType) +
                       "', which the document does not list");
    return problems;
  }
  const auto* schema = media->as_object().if_contains("schema");
  if (schema == nullptr) return problems;
  json::value parsed;
  try {
    parsed = json::parse(body);
  } catch (const std::exception&) {
    problems.push_back(name + ": the body is not JSON");
    return problems;
  }
  for (auto& problem : validate(parsed, *schema)) {
    problems.push_back(name + " " + std::to_string(status) + ": " + problem);
  }
  return problems;
}

std::vector<std::string> ContractCheck::validate(const json::value& value, const json::value& schema) const {
  std::vector<std::string> problems;
  validateAt(value, schema, "", problems, 0);
  return problems;
}

void ContractCheck::validateAt(const json::value& value, const json::value& schemaValue, const std::string& where,
                               std::vector<std::string>& problems, int depth) const {
  if (depth > 64) {
    problems.push_back(where + ": schema nests too deep (a $ref cycle?)");
    return;
  }
  if (!schemaValue.is_object()) return;
  const auto& schema = schemaValue.as_object();
  std::string at = where.empty() ? "/" : where;
  if (const auto* reference = schema.if_contains("$ref")) {
    std::string_view target = reference->as_string();
    constexpr std::string_view kPrefix = "#/components/schemas/";
    if (!target.starts_with(kPrefix)) {
      problems.push_back(at + ": unsupported $ref " + std::string(target));
      return;
    }
    const auto* component =
        document_.at("components").at("schemas").as_object().if_contains(target.substr(kPrefix.size()));
    if (component == nullptr) {
      problems.push_back(at + ": $ref to an undefined schema " + std::string(target));
      return;
    }
    validateAt(value, *component, where, problems, depth + 1);
  }
  if (const auto* anyOf = schema.if_contains("anyOf")) {
    bool matched = false;
    for (const auto& option : anyOf->as_array()) {
      std::vector<std::string> scratch;
      validateAt(value, option, where, scratch, depth + 1);
      matched = matched || scratch.empty();
    }
    if (!matched) problems.push_back(at + ": matches none of anyOf (" + json::serialize(value).substr(0, 120) + ")");
  }
  if (const auto* type = schema.if_contains("type")) {
    bool ok = false;
    if (type->is_string()) {
      ok = hasType(value, type->as_string());
    } else {
      for (const auto& option : type->as_array()) ok = ok || hasType(value, option.as_string());
    }
    if (!ok) {
      problems.push_back(at + ": is " + typeOf(value) + ", expected " + json::serialize(*type));
      return;
    }
  }
  if (const auto* values = schema.if_contains("enum")) {
    const auto& list = values->as_array();
    if (std::find(list.begin(), list.end(), value) == list.end()) {
      problems.push_back(at + ": " + json::serialize(value) + " is not one of " + json::serialize(*values));
    }
  }
  if (value.is_string()) {
    std::string_view text = value.as_string();
    if (const auto* min = schema.if_contains("minLength"); min && codePoints(text) < min->to_number<std::size_t>()) {
      problems.push_back(at + ": shorter than minLength");
    }
    if (const auto* max = schema.if_contains("maxLength"); max && codePoints(text) > max->to_number<std::size_t>()) {
      problems.push_back(at + ": longer than maxLength");
    }
    if (const auto* format = schema.if_contains("format")) {
      if (format->as_string() == "date-time" && !looksLikeDateTime(text)) {
        problems.push_back(at + ": '" + std::string(text) + "' is not an RFC 3339 date-time");
      }
      if (format->as_string() == "uuid" && !looksLikeUuid(text)) {
        problems.push_back(at + ": '" + std::string(text) + "' is not a UUID");
      }
    }
  }
  if (value.is_number()) {
    double number = value.to_number<double>();
    if (const auto* min = schema.if_contains("minimum"); min && number < min->to_number<double>()) {
      problems.push_back(at + ": " + json::serialize(value) + " is below the minimum " + json::serialize(*min));
    }
    if (const auto* max = schema.if_contains("maximum"); max && number > max->to_number<double>()) {
      problems.push_back(at + ": " + json::serialize(value) + " is above the maximum " + json::serialize(*max));
    }
  }
  if (value.is_object()) {
    const auto& object = value.as_object();
    const auto* properties = schema.if_contains("properties");
    if (const auto* required = schema.if_contains("required")) {
      for (const auto& name : required->as_array()) {
        if (!object.contains(name.as_string())) {
          problems.push_back(at + ": lacks required member '" + std::string(name.as_string()) + "'");
        }
      }
    }
    const auto* additional = schema.if_contains("additionalProperties");
    for (const auto& [key, member] : object) {
      std::string child = where + "/" + std::string(key);
      const json::value* memberSchema = properties ? properties->as_object().if_contains(key) : nullptr;
      if (memberSchema != nullptr) {
        validateAt(member, *memberSchema, child, problems, depth + 1);
      } else if (additional != nullptr && additional->is_bool() && !additional->as_bool()) {
        problems.push_back(at + ": member '" + std::string(key) + "' is not documented");
      } else if (additional != nullptr && additional->is_object()) {
        validateAt(member, *additional, child, problems, depth + 1);
      }
    }
  }
  if (value.is_array()) {
    if (const auto* items = schema.if_contains("items")) {
      const auto& array = value.as_array();
      for (std::size_t i = 0; i < array.size(); ++i) {
        validateAt(array[i], *items, where + "/" + std::to_string(i), problems, depth + 1);
      }
    }
  }
}

}  // namespace boxoffice::testing
