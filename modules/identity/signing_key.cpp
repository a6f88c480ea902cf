#include "signing_key.hpp"

#include <fstream>
#include <sstream>

#include "boxoffice/kernel/ids.hpp"

namespace boxoffice::identity {

namespace {

constexpr const char* kDevKeySetting = "auth.devJwtSecret";

std::string checked(std::string key, const std::string& source) {
  if (key.size() < kMinSigningKeyBytes) {
    throw ConfigError(source + " must be at least " + std::to_string(kMinSigningKeyBytes) +
                      " bytes long (for example 48 random bytes, base64-encoded)");
  }
  return key;
}

std::string readSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("auth.jwtSecretFile: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  // Files written with `echo` end in a newline that is not part of the secret.
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) key.pop_back();
  return checked(std::move(key), "auth.jwtSecretFile (" + path + ")");
}

std::string storedDevelopmentKey(Database& store) {
  std::string candidate = randomToken(48);
  return store.write([&](Tx& tx) {
    // Insert-if-absent then read: two processes starting at once agree on one key.
    std::string name = kDevKeySetting;
    tx.sql() << "INSERT INTO identity_settings (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING",
        soci::use(name), soci::use(candidate);
    std::string value;
    tx.sql() << "SELECT value FROM identity_settings WHERE name = :name", soci::use(name), soci::into(value);
    return value;
  });
}

}  // namespace

std::string resolveSigningKey(const Config& config, Database& store, const Logger& log) {
  if (auto secret = config.getString("auth.jwtSecret"); !secret.empty()) {
    return checked(std::move(secret), "auth.jwtSecret (BOXOFFICE_AUTH_JWT_SECRET)");
  }
  if (auto file = config.getString("auth.jwtSecretFile"); !file.empty()) return readSecretFile(file);
  log.warn(
      "no auth.jwtSecret or auth.jwtSecretFile configured: signing access tokens with a generated "
      "development key stored in the identity database; set BOXOFFICE_AUTH_JWT_SECRET in production");
  return storedDevelopmentKey(store);
}

}  // namespace boxoffice::identity
