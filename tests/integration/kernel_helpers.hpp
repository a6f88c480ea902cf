#pragma once
// Assertions the kernel integration tests share.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <sstream>
#include <string>

#include "test_server.hpp"

namespace boxoffice::testing {

// The response is RFC 9457 problem+json with this status and type slug.
inline void checkProblem(const HttpResult& r, int status, const std::string& slug = {}) {
  CAPTURE(r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type").starts_with("application/problem+json"));
  boost::system::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  REQUIRE_MESSAGE(!ec, "problem body is not JSON");
  REQUIRE(body.is_object());
  const auto& object = body.as_object();
  REQUIRE(object.contains("type"));
  REQUIRE(object.contains("title"));
  REQUIRE(object.contains("status"));
  CHECK(object.at("status").to_number<int>() == status);
  CHECK(object.at("title").is_string());
  if (!slug.empty()) CHECK(object.at("type").as_string() == "/problems/" + slug);
  CHECK(r.header("x-request-id") != "");
}

// The field names a validation problem reports.
inline std::vector<std::string> problemFields(const HttpResult& r) {
  std::vector<std::string> out;
  auto body = r.json().as_object();
  if (auto errors = body.if_contains("errors")) {
    for (const auto& e : errors->as_array()) out.emplace_back(e.at("field").as_string());
  }
  return out;
}

inline bool hasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

inline bool hasLineStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l.starts_with(prefix)) return true;
  }
  return false;
}

// The value of the first sample line starting with `prefix` ("name{labels} "), or -1.
inline double sampleValue(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l.starts_with(prefix)) return std::stod(l.substr(l.rfind(' ') + 1));
  }
  return -1;
}

inline std::string registerBody(const std::string& email) {
  return boost::json::serialize(
      boost::json::object{{"email", email}, {"password", "Lantern-orchard-4711"}, {"displayName", "Kernel Test"}});
}

}  // namespace boxoffice::testing
