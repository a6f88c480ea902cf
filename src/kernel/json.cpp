#include "boxoffice/kernel/json.hpp"

#include <algorithm>

namespace boxoffice::json {

namespace {
bool isJsonContentType(std::string_view value) {
  auto semicolon = value.find(';');
  auto mime = value.substr(0, semicolon);
  while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
  std::string lower(mime);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"));
}

std::string_view kindName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "unknown";
}
}  // namespace

boost::json::object parseObjectBody(const http::Request& request) {
  auto contentType = request.header("Content-Type");
  if (!contentType || !isJsonContentType(*contentType)) {
    throw Problem::unsupportedMediaType("Send the body as application/json.");
  }
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 32;
  auto value = boost::json::parse(request.body, ec, {}, options);
  if (ec) throw Problem::badRequest("The body is not valid JSON (" + ec.message() + ").");
  if (!value.is_object()) throw Problem::badRequest("The body must be a JSON object.");
  return std::move(value.as_object());
}

void Validation::add(std::string field, std::string message) {
  ++total_;
  if (errors_.size() < Problem::kMaxFieldErrors) errors_.push_back({std::move(field), std::move(message)});
}

void Validation::throwIfAny() const {
  if (!errors_.empty()) throw Problem::validation(errors_, total_);
}

ObjectReader::ObjectReader(const boost::json::object& object, Validation& validation, std::string path)
    : object_(object), validation_(validation), path_(std::move(path)) {}

std::string ObjectReader::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool ObjectReader::has(std::string_view key) const {
  const auto* it = object_.find(key);
  return it != object_.end() && !it->value().is_null();
}

const boost::json::value* ObjectReader::lookup(std::string_view key) {
  seen_.emplace_back(key);
  const auto* it = object_.find(key);
  if (it == object_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

bool hasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
  });
}

std::optional<std::string> ObjectReader::optionalString(std::string_view key, std::size_t minLength,
                                                        std::size_t maxLength) {
  const auto* v = lookup(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    validation_.add(field(key), "must be a string, not " + std::string(kindName(*v)));
    return std::nullopt;
  }
  std::string text(v->as_string());
  // Length in code points, so "é" counts once.
  std::size_t length = std::count_if(text.begin(), text.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; });
  if (length < minLength) {
    validation_.add(field(key), minLength == 1 ? "must not be empty"
                                               : "must be at least " + std::to_string(minLength) + " characters");
    return std::nullopt;
  }
  if (length > maxLength) {
    validation_.add(field(key), "must be at most " + std::to_string(maxLength) + " characters");
    return std::nullopt;
  }
  if (hasControlCharacter(text)) {
    validation_.add(field(key), "must not contain control characters (tab, line feed and carriage return are allowed)");
    return std::nullopt;
  }
  return text;
}

std::string ObjectReader::requiredString(std::string_view key, std::size_t minLength, std::size_t maxLength) {
  if (!has(key)) {
    seen_.emplace_back(key);
    validation_.add(field(key), "is required");
    return {};
  }
  return optionalString(key, minLength, maxLength).value_or("");
}

std::optional<std::int64_t> ObjectReader::optionalInt(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* v = lookup(key);
  if (!v) return std::nullopt;
  std::int64_t number = 0;
  if (v->is_int64()) {
    number = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    number = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_uint64()) {  // 2^63 and above: an integer, only too large
    validation_.add(field(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  } else {
    validation_.add(field(key), "must be an integer, not " + std::string(kindName(*v)));
    return std::nullopt;
  }
  if (number < min || number > max) {
    validation_.add(field(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return number;
}

std::int64_t ObjectReader::requiredInt(std::string_view key, std::int64_t min, std::int64_t max) {
  if (!has(key)) {
    seen_.emplace_back(key);
    validation_.add(field(key), "is required");
    return 0;
  }
  return optionalInt(key, min, max).value_or(0);
}

std::optional<bool> ObjectReader::optionalBool(std::string_view key) {
  const auto* v = lookup(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    validation_.add(field(key), "must be a boolean, not " + std::string(kindName(*v)));
    return std::nullopt;
  }
  return v->as_bool();
}

const boost::json::object* ObjectReader::optionalObject(std::string_view key) {
  const auto* v = lookup(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    validation_.add(field(key), "must be an object, not " + std::string(kindName(*v)));
    return nullptr;
  }
  return &v->as_object();
}

const boost::json::object* ObjectReader::requiredObject(std::string_view key) {
  if (!has(key)) {
    seen_.emplace_back(key);
    validation_.add(field(key), "is required");
    return nullptr;
  }
  return optionalObject(key);
}

const boost::json::array* ObjectReader::optionalArray(std::string_view key, std::size_t maxItems) {
  const auto* v = lookup(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    validation_.add(field(key), "must be an array, not " + std::string(kindName(*v)));
    return nullptr;
  }
  if (v->as_array().size() > maxItems) {
    validation_.add(field(key), "must have at most " + std::to_string(maxItems) + " items");
    return nullptr;
  }
  return &v->as_array();
}

const boost::json::array* ObjectReader::requiredArray(std::string_view key, std::size_t maxItems) {
  if (!has(key)) {
    seen_.emplace_back(key);
    validation_.add(field(key), "is required");
    return nullptr;
  }
  return optionalArray(key, maxItems);
}

void ObjectReader::rejectUnknown() {
  for (const auto& entry : object_) {
    if (std::find(seen_.begin(), seen_.end(), entry.key()) == seen_.end()) {
      validation_.add(field(entry.key()), "is not a known field");
    }
  }
}

std::string serialize(const boost::json::value& value) { return boost::json::serialize(value); }

}  // namespace boxoffice::json
