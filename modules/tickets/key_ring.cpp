#include "key_ring.hpp"

#include <sodium.h>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/sql_where.hpp"

namespace boxoffice::tickets {

namespace {
// A short random id: it travels in every QR payload, so it stays small.
std::string newKeyId() { return "k" + randomToken(6); }

std::optional<PublicKey> decodePublicKey(const std::string& text) {
  PublicKey key{};
  std::size_t length = 0;
  if (sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length != key.size()) {
    return std::nullopt;
  }
  return key;
}
}  // namespace

KeyRing::KeyRing(Database& store, std::array<unsigned char, 32> sealingKey) : store_(store), sealingKey_(sealingKey) {
  auto sample = store_.read([](soci::session& sql) -> std::optional<std::pair<std::string, std::string>> {
    std::string keyId;
    std::string sealed;
    sql << "SELECT key_id, sealed_secret FROM admission_keys ORDER BY created_at DESC LIMIT 1", soci::into(keyId),
        soci::into(sealed);
    if (!sql.got_data()) return std::nullopt;
    return std::pair(keyId, sealed);
  });
  if (!sample) return;
  try {
    open(sample->first, sample->second);
  } catch (const std::exception&) {
    throw StartupError(
        "tickets.keyEncryptionKey does not open the ticket-signing keys stored in tickets.db: it was changed, or "
        "the generated development key is gone. Start with the key they were sealed under.");
  }
}

KeyRing::~KeyRing() { sodium_memzero(sealingKey_.data(), sealingKey_.size()); }

std::shared_ptr<const SigningKeyPair> KeyRing::open(const std::string& keyId, const std::string& sealed) {
  std::lock_guard lock(mutex_);
  if (auto found = opened_.find(keyId); found != opened_.end()) return found->second;
  auto key = std::make_shared<const SigningKeyPair>(openSealedKey(sealed, sealingKey_));
  opened_.emplace(keyId, key);
  return key;
}

KeyRing::Active KeyRing::activeKey(Tx& tx, const std::string& organizerId, std::int64_t now) {
  std::string keyId;
  std::string sealed;
  tx.sql() << "SELECT key_id, sealed_secret FROM admission_keys WHERE organizer_id = :o AND retired_at IS NULL",
      soci::use(organizerId), soci::into(keyId), soci::into(sealed);
  if (!tx.sql().got_data()) return create(tx, organizerId, now);
  return {keyId, open(keyId, sealed)};
}

KeyRing::Active KeyRing::create(Tx& tx, const std::string& organizerId, std::int64_t now) {
  auto pair = SigningKeyPair::generate();
  auto keyId = newKeyId();
  auto sealed = sealSecretKey(pair.secretKey(), sealingKey_);
  auto publicText =
      base64Url(std::string_view(reinterpret_cast<const char*>(pair.publicKey().data()), pair.publicKey().size()));
  tx.exec(
      "INSERT INTO admission_keys (key_id, organizer_id, public_key, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?)",
      keyId, organizerId, publicText, sealed, now);
  auto shared = std::make_shared<const SigningKeyPair>(std::move(pair));
  std::lock_guard lock(mutex_);
  opened_.emplace(keyId, shared);
  return {keyId, shared};
}

std::string KeyRing::rotate(Tx& tx, const std::string& organizerId, std::int64_t now) {
  tx.exec("UPDATE admission_keys SET retired_at = ? WHERE organizer_id = ? AND retired_at IS NULL", now, organizerId);
  return create(tx, organizerId, now).keyId;
}

std::optional<PublicKey> KeyRing::publicKey(const std::string& keyId) const {
  {
    std::lock_guard lock(mutex_);
    if (auto found = publicKeys_.find(keyId); found != publicKeys_.end()) return found->second;
  }
  auto text = store_.read([&](soci::session& sql) -> std::optional<std::string> {
    std::string value;
    sql << "SELECT public_key FROM admission_keys WHERE key_id = :k", soci::use(keyId), soci::into(value);
    if (!sql.got_data()) return std::nullopt;
    return value;
  });
  if (!text) return std::nullopt;
  auto key = decodePublicKey(*text);
  if (!key) return std::nullopt;
  std::lock_guard lock(mutex_);
  publicKeys_.emplace(keyId, *key);
  return key;
}

std::vector<PublishedKey> KeyRing::allKeys(soci::session& sql) { return keysWhere(sql, SqlWhere{}); }

std::vector<PublishedKey> KeyRing::keysOf(soci::session& sql, const std::string& organizerId) {
  SqlWhere where;
  where.text("organizer_id =", organizerId);
  return keysWhere(sql, where);
}

std::vector<PublishedKey> KeyRing::keysWhere(soci::session& sql, const SqlWhere& where) {
  std::vector<PublishedKey> out;
  where.forEachRow(
      sql,
      "SELECT key_id, organizer_id, public_key, created_at, retired_at FROM admission_keys" + where.sql() +
          " ORDER BY organizer_id, created_at",
      [&](const soci::row& row) {
        PublishedKey k{rows::text(row, 0), rows::text(row, 1), rows::text(row, 2), rows::integer(row, 3), std::nullopt};
        if (row.get_indicator(4) == soci::i_ok) k.retiredAt = rows::integer(row, 4);
        out.push_back(std::move(k));
      });
  return out;
}

}  // namespace boxoffice::tickets
