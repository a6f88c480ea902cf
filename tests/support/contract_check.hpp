#pragma once
// Checks answers against the server's own OpenAPI document (/api/v1/openapi.json): the status
// must be one the operation declares (or an error answered as an RFC 9457 problem), the media
// type one it declares, and a JSON body must match the declared schema. TestServer runs every
// answer it receives through this, so the integration suite doubles as the contract test.
//
// The validator knows the part of JSON Schema 2020-12 the document uses: $ref (local), anyOf,
// type, enum, properties, required, additionalProperties, items, minimum, maximum, minLength,
// maxLength and the formats date-time and uuid.
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice::testing {

class ContractCheck {
 public:
  explicit ContractCheck(boost::json::object document);

  // What is wrong with this answer to `method target`; empty when it keeps the contract.
  // Targets that match no documented path are not checked (the 404 for them is the kernel's).
  std::vector<std::string> check(std::string_view method, std::string_view target, int status,
                                 std::string_view contentType, std::string_view body) const;

  // Validates `value` against `schema` (which may $ref the document's components); the messages
  // name the JSON pointer of each mismatch.
  std::vector<std::string> validate(const boost::json::value& value, const boost::json::value& schema) const;

  // The documented path template `target` falls under ("" for none).
  std::string pathTemplateOf(std::string_view target) const;

 private:
  void validateAt(const boost::json::value& value, const boost::json::value& schema, const std::string& where,
                  std::vector<std::string>& problems, int depth) const;
  boost::json::object document_;
};

}  // namespace boxoffice::testing
