#pragma once
// Shorthands for JSON in request bodies and answers.
#include <boost/json.hpp>
#include <string>

namespace boxoffice::testing {

inline std::string json(const boost::json::object& object) { return boost::json::serialize(object); }
// The text of a JSON string value (throws if it is not a string).
inline std::string str(const boost::json::value& value) { return std::string(value.as_string()); }

}  // namespace boxoffice::testing
