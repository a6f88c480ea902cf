#include "password_policy.hpp"

#include <doctest/doctest.h>

using boxoffice::identity::passwordProblem;

TEST_CASE("password policy accepts a long uncommon password") {
  CHECK_FALSE(passwordProblem("correct horse battery staple", "ann@example.org").has_value());
  CHECK_FALSE(passwordProblem("demo-password-2026", "admin@boxoffice.local").has_value());
  CHECK_FALSE(passwordProblem("Tr0ub4dor&3x", "").has_value());
}

TEST_CASE("password policy enforces the length in characters, not bytes") {
  auto shortOne = passwordProblem("Xk9#mPq2z", "ann@example.org");  // 9
  REQUIRE(shortOne.has_value());
  CHECK(shortOne->find("at least 10") != std::string::npos);
  CHECK_FALSE(passwordProblem("Xk9#mPq2zW", "ann@example.org").has_value());  // 10
  // Nine two-byte characters are 18 bytes but only 9 characters.
  CHECK(passwordProblem("ééééééééé", "").has_value());
  CHECK_FALSE(passwordProblem("ééééééééèa", "").has_value());
  CHECK_FALSE(passwordProblem(std::string(127, 'x') + "y", "").has_value());  // 128
  auto longOne = passwordProblem(std::string(128, 'x') + "y", "");
  REQUIRE(longOne.has_value());
  CHECK(longOne->find("at most 128") != std::string::npos);
}

TEST_CASE("password policy rejects common passwords, case-insensitively") {
  for (const char* common : {"1234567890", "QWERTYUIOP", "password123", "Password2026!", "P@ssw0rd123", "iloveyou123",
                             "2026password", "Welcome12345", "boxoffice2026", "administrator"}) {
    INFO(common);
    auto problem = passwordProblem(common, "ann@example.org");
    REQUIRE(problem.has_value());
    CHECK(problem->find("common") != std::string::npos);
  }
}

TEST_CASE("password policy rejects the email and repeated characters") {
  auto same = passwordProblem("Ann.Lee@Example.org", "ann.lee@example.org");
  REQUIRE(same.has_value());
  CHECK(same->find("email") != std::string::npos);
  CHECK(passwordProblem("annabelle-lee", "annabelle-lee@example.org").has_value());  // the local part
  CHECK(passwordProblem("aaaaaaaaaaaa", "").has_value());
}
