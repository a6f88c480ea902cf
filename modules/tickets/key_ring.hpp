#pragma once
// The organizers' signing keys: one active Ed25519 key per organizer (made on first use), sealed
// at rest under the key-encryption key, opened once and kept in memory. Rotation retires the
// active key; a retired key still verifies the tickets it signed (an Admin rotates after a
// suspected leak or by routine, and tickets already printed keep working).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/sql_where.hpp"
#include "ticket_signature.hpp"

namespace boxoffice::tickets {

struct PublishedKey {
  std::string keyId;
  std::string organizerId;
  std::string publicKey;  // base64url
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> retiredAt;
};

class KeyRing {
 public:
  // Throws StartupError if a stored key cannot be opened with `sealingKey` (it was changed, or
  // the development key's row is gone): better at start than on every ticket issued.
  KeyRing(Database& store, std::array<unsigned char, 32> sealingKey);
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;
  KeyRing(KeyRing&&) = delete;
  KeyRing& operator=(KeyRing&&) = delete;
  ~KeyRing();

  struct Active {
    std::string keyId;
    std::shared_ptr<const SigningKeyPair> key;
  };
  // The organizer's active key; made (and stored in `tx`) when there is none.
  Active activeKey(Tx& tx, const std::string& organizerId, std::int64_t now);
  // Retires the active key (if any) and makes a new one; returns the new key's id.
  std::string rotate(Tx& tx, const std::string& organizerId, std::int64_t now);
  // The public key of `keyId`, active or retired; nullopt if unknown.
  std::optional<PublicKey> publicKey(const std::string& keyId) const;
  static std::vector<PublishedKey> allKeys(soci::session& sql);
  static std::vector<PublishedKey> keysOf(soci::session& sql, const std::string& organizerId);

 private:
  static std::vector<PublishedKey> keysWhere(soci::session& sql, const SqlWhere& where);
  Active create(Tx& tx, const std::string& organizerId, std::int64_t now);
  std::shared_ptr<const SigningKeyPair> open(const std::string& keyId, const std::string& sealed);

  Database& store_;
  std::array<unsigned char, 32> sealingKey_;
  mutable std::mutex mutex_;
  // Key ids are random and never reused, so an entry never goes stale (a key made in a
  // transaction that rolled back is merely never asked for).
  std::map<std::string, std::shared_ptr<const SigningKeyPair>, std::less<>> opened_;
  mutable std::map<std::string, PublicKey, std::less<>> publicKeys_;
};

}  // namespace boxoffice::tickets
