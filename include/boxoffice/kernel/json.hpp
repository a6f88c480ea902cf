#pragma once
// Reading request bodies with field-level validation, and writing JSON responses.
//
//   auto body = json::parseObjectBody(request);        // 415 / 400 on a bad body
//   json::Validation v;
//   json::ObjectReader in(body, v);
//   auto email = in.requiredString("email", 3, 254);
//   in.rejectUnknown();                                 // names any key not read
//   v.throwIfAny();                                     // 400 with one entry per bad field
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::json {

// 415 unless Content-Type is application/json (or +json); 400 if malformed or not an object.
boost::json::object parseObjectBody(const http::Request& request);

// True for a C0 control character other than tab, LF and CR, or DEL. Every string ObjectReader
// reads refuses them (a NUL would end the text early in C APIs such as FTS5); query parameters
// that are text use it too.
bool hasControlCharacter(std::string_view text);

class Validation {
 public:
  void add(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  void throwIfAny() const;  // Problem::validation

 private:
  std::vector<FieldError> errors_;  // the first Problem::kMaxFieldErrors
  std::size_t total_ = 0;
};

// Reads typed fields from one JSON object, recording a FieldError (and returning an empty value)
// for each missing or mistyped one. `path` prefixes field names, for nested objects and arrays.
class ObjectReader {
 public:
  ObjectReader(const boost::json::object& object, Validation& validation, std::string path = {});

  std::string requiredString(std::string_view key, std::size_t minLength, std::size_t maxLength);
  std::optional<std::string> optionalString(std::string_view key, std::size_t minLength, std::size_t maxLength);
  std::int64_t requiredInt(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optionalInt(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<bool> optionalBool(std::string_view key);
  const boost::json::object* requiredObject(std::string_view key);
  const boost::json::object* optionalObject(std::string_view key);
  const boost::json::array* requiredArray(std::string_view key, std::size_t maxItems);
  const boost::json::array* optionalArray(std::string_view key, std::size_t maxItems);
  bool has(std::string_view key) const;

  // Records an error for every key this reader was not asked for.
  void rejectUnknown();
  // The field name as reported in errors: path + key.
  std::string field(std::string_view key) const;
  Validation& validation() { return validation_; }

 private:
  const boost::json::value* lookup(std::string_view key);
  const boost::json::object& object_;
  Validation& validation_;
  std::string path_;
  std::vector<std::string> seen_;
};

std::string serialize(const boost::json::value& value);

}  // namespace boxoffice::json
