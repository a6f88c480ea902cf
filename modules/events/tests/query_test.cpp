// Search expressions (paging is the kernel's: tests/kernel/paging_test.cpp).
#include <doctest/doctest.h>
#include <string>

#include "search_query.hpp"
#include "support.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::problemOf;

TEST_CASE("each term becomes a quoted prefix phrase, ANDed") {
  CHECK(ftsMatchExpression("rad") == "\"rad\"*");
  CHECK(ftsMatchExpression("  radio   head ") == "\"radio\"* \"head\"*");
  CHECK(ftsMatchExpression("Café") == "\"Café\"*");
}

TEST_CASE("user input cannot inject FTS5 syntax") {
  // Quotes are doubled inside the phrase; operators and column filters stay literal text.
  CHECK(ftsMatchExpression("rad\" OR name:x") == "\"rad\"\"\"* \"OR\"* \"name:x\"*");
  CHECK(ftsMatchExpression("NEAR(a b)") == "\"NEAR(a\"* \"b)\"*");
  CHECK(ftsMatchExpression("-") == std::nullopt);
  CHECK(ftsMatchExpression("\" * ( )") == std::nullopt);
  CHECK(ftsMatchExpression("") == std::nullopt);
}

TEST_CASE("control characters separate terms and never reach FTS5 (a NUL would end the expression early)") {
  using namespace std::string_literals;
  CHECK(ftsMatchExpression("a\0b"s) == "\"a\"* \"b\"*");
  CHECK(ftsMatchExpression("\x01rad\x7fio\x1f"s) == "\"rad\"* \"io\"*");
  CHECK(ftsMatchExpression("\0\0"s) == std::nullopt);
}

TEST_CASE("code points, not bytes") {
  CHECK(codePoints("Café") == 4);
  CHECK(codePoints("日本") == 2);
}
