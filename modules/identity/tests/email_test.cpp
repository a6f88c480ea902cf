#include "email.hpp"

#include <doctest/doctest.h>

using boxoffice::identity::emailProblem;
using boxoffice::identity::normalizeEmail;

TEST_CASE("email normalization trims and lower-cases") {
  CHECK(normalizeEmail("  Ann.Lee@Example.ORG \t\n") == "ann.lee@example.org");
  CHECK(normalizeEmail("bob@example.org") == "bob@example.org");
  CHECK(normalizeEmail("   ").empty());
  CHECK(normalizeEmail("").empty());
  // Non-ASCII bytes pass through unchanged (and are then rejected by the syntax check).
  CHECK(normalizeEmail("ÄB@x.de") == "Äb@x.de");
}

TEST_CASE("email syntax accepts ordinary addresses") {
  for (const char* ok : {"a@b.co", "first.last+tag@sub.example.org", "x_y-z@a-b.example", "admin@boxoffice.local",
                         "o'neil@example.ie"}) {
    INFO(ok);
    CHECK_FALSE(emailProblem(ok).has_value());
  }
}

TEST_CASE("email syntax rejects what cannot receive mail") {
  for (const char* bad : {"", "plain", "@example.org", "ann@", "ann@@example.org", "ann@example", "ann@.example.org",
                          "ann@example..org", "ann@-example.org", "ann@example.org-", ".ann@example.org",
                          "ann.@example.org", "a..b@example.org", "ann lee@example.org", "ann@exa mple.org",
                          "ann@example.org.", "ann(x)@example.org", "äö@example.org", "ann@bücher.de"}) {
    INFO(bad);
    CHECK(emailProblem(bad).has_value());
  }
  CHECK(emailProblem(std::string(65, 'a') + "@example.org").has_value());
  CHECK_FALSE(emailProblem(std::string(64, 'a') + "@example.org").has_value());
  CHECK(emailProblem("a@" + std::string(250, 'b') + ".org").has_value());
}
