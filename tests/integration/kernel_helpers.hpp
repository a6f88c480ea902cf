#pragma once
// Assertions the kernel integration tests share (problem+json checks: support/problem_check.hpp).
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <sstream>
#include <string>

#include "problem_check.hpp"
#include "test_server.hpp"
#include "text_lines.hpp"

namespace boxoffice::testing {

using test_support::hasLine;

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
