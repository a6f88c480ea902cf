#include "password_hasher.hpp"

#include <doctest/doctest.h>

using boxoffice::identity::PasswordHasher;

TEST_CASE("argon2id hashes verify the right password only") {
  PasswordHasher hasher(PasswordHasher::minimal());
  auto hash = hasher.hash("correct horse battery");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("correct") == std::string::npos);
  CHECK(hasher.verify(hash, "correct horse battery"));
  CHECK_FALSE(hasher.verify(hash, "correct horse batterY"));
  CHECK_FALSE(hasher.verify(hash, ""));
  CHECK_FALSE(hasher.verify("not a hash", "correct horse battery"));
  // A fresh salt every time.
  CHECK(hasher.hash("correct horse battery") != hash);
}

TEST_CASE("hashes made with other parameters need a rehash") {
  PasswordHasher weak(PasswordHasher::minimal());
  PasswordHasher strong(PasswordHasher::interactive());
  auto weakHash = weak.hash("correct horse battery");
  CHECK_FALSE(weak.needsRehash(weakHash));
  CHECK(strong.needsRehash(weakHash));
  CHECK(strong.needsRehash("garbage"));
  CHECK(strong.verify(weakHash, "correct horse battery"));  // still verifies: parameters are in the hash
}
