#include "signing_key.hpp"

#include <doctest/doctest.h>
#include <fstream>

#include "boxoffice/identity/api.hpp"
#include "temp_store.hpp"

using namespace boxoffice;
using namespace boxoffice::identity;

namespace {
struct Fixture {
  testing::TempStore temp;
  ConfigSchema schema;
  std::unique_ptr<Config> config;
  Fixture() {
    schema.add(configKeys());
    config = std::make_unique<Config>(schema);
  }
};
}  // namespace

TEST_CASE("identity config keys have the documented defaults") {
  Fixture f;
  CHECK(f.config->getString("auth.issuer") == "boxoffice");
  CHECK(f.config->getString("auth.audience") == "boxoffice-api");
  CHECK(f.config->getInt("auth.accessTokenTtlSeconds") == 900);
  CHECK(f.config->getInt("auth.refreshTokenTtlSeconds") == 14 * 24 * 3600);
  CHECK(f.config->getInt("rateLimit.loginPerMinute") == 5);
  CHECK(f.config->getInt("rateLimit.loginBurst") == 5);
  CHECK(f.schema.find("auth.jwtSecret")->secret);
  CHECK(ConfigSchema::envName("auth.jwtSecret") == "AUTH_JWT_SECRET");
}

TEST_CASE("without a configured secret a development key is generated once and kept") {
  Fixture f;
  auto first = resolveSigningKey(*f.config, *f.temp.db, f.temp.log);
  auto second = resolveSigningKey(*f.config, *f.temp.db, f.temp.log);
  CHECK(first.size() >= kMinSigningKeyBytes);
  CHECK(first == second);
  CHECK(f.temp.logs().find("development key") != std::string::npos);
  CHECK(f.temp.logs().find(first) == std::string::npos);  // the key itself is never logged
}

TEST_CASE("a configured secret wins and must be long enough") {
  Fixture f;
  f.config->set("auth.jwtSecret", std::string(40, 'z'), "test");
  CHECK(resolveSigningKey(*f.config, *f.temp.db, f.temp.log) == std::string(40, 'z'));
  f.config->set("auth.jwtSecret", "too-short", "test");
  CHECK_THROWS_AS(resolveSigningKey(*f.config, *f.temp.db, f.temp.log), ConfigError);
}

TEST_CASE("the secret can come from a file, a trailing newline is not part of it") {
  Fixture f;
  auto path = f.temp.dir / "jwt.key";
  std::ofstream(path) << std::string(36, 'f') << "\n";
  f.config->set("auth.jwtSecretFile", path.string(), "test");
  CHECK(resolveSigningKey(*f.config, *f.temp.db, f.temp.log) == std::string(36, 'f'));
  f.config->set("auth.jwtSecretFile", (f.temp.dir / "missing").string(), "test");
  CHECK_THROWS_AS(resolveSigningKey(*f.config, *f.temp.db, f.temp.log), ConfigError);
}
