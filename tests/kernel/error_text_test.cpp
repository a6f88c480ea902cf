// Error texts that reach logs and stored errors: a database error's bound values never do.
#include "boxoffice/kernel/error_text.hpp"

#include <doctest/doctest.h>
#include <soci/soci.h>
#include <stdexcept>

using namespace boxoffice;

TEST_CASE("error text: a database error keeps its message and drops the statement's bound values") {
  soci::soci_error error("UNIQUE constraint failed: users.email");
  error.add_context(
      "while executing \"INSERT INTO users (email, password_hash) VALUES (:email, :hash)\" with "
      ":email=\"ann@example.org\", :hash=\"$argon2id$v=19$secret\"");
  REQUIRE(std::string(error.what()).find("ann@example.org") != std::string::npos);  // what SOCI says
  auto text = errorText(error);
  CHECK(text.find("UNIQUE constraint failed: users.email") != std::string::npos);
  CHECK(text.find("ann@example.org") == std::string::npos);
  CHECK(text.find("argon2id") == std::string::npos);
  CHECK(errorText(std::runtime_error("plain failure")) == "plain failure");
}
