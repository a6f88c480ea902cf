#include "revoked_tokens.hpp"

#include <soci/soci.h>

namespace boxoffice::identity {

namespace {

// A token expired this long ago is refused by its exp anyway (auth.clockSkewSeconds is at most
// 300): its row can go.
constexpr std::int64_t kKeepAfterExpirySeconds = 300;

std::unordered_map<std::string, std::int64_t> readAll(soci::session& sql, std::int64_t now) {
  std::unordered_map<std::string, std::int64_t> out;
  std::int64_t since = now - kKeepAfterExpirySeconds;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT jwt_id, expires_at FROM revoked_access_tokens WHERE expires_at >= :since",
       soci::use(since));
  for (const auto& row : rows) out.emplace(row.get<std::string>(0), row.get<long long>(1));
  return out;
}

}  // namespace

RevokedTokens::RevokedTokens(Database& store, const Clock& clock, Logger log, std::chrono::milliseconds pollInterval)
    : store_(store),
      clock_(clock),
      log_(log),
      pollInterval_(pollInterval),
      worker_("identity-revocations", clock, log, [this] { return reread(); }) {}

std::int64_t RevokedTokens::nowSeconds() const { return clock_.nowMillis() / 1000; }

void RevokedTokens::load() {
  auto stored = store_.read([&](soci::session& sql) { return readAll(sql, nowSeconds()); });
  std::lock_guard lock(mutex_);
  expiresAt_.merge(stored);
}

void RevokedTokens::start() {
  if (pollInterval_.count() > 0) worker_.start();
}

void RevokedTokens::stop() { worker_.stop(); }

void RevokedTokens::revoke(const std::string& jwtId, std::int64_t expiresAt) {
  auto now = nowSeconds();
  store_.write([&](Tx& tx) {
    tx.exec("DELETE FROM revoked_access_tokens WHERE expires_at < ?", now - kKeepAfterExpirySeconds);
    tx.exec(
        "INSERT INTO revoked_access_tokens (jwt_id, expires_at, revoked_at_ms) VALUES (?, ?, ?) "
        "ON CONFLICT (jwt_id) DO NOTHING",
        jwtId, expiresAt, clock_.nowMillis());
  });
  std::lock_guard lock(mutex_);
  // Pruning on insert keeps the map bounded by the sign-outs of one token lifetime.
  std::erase_if(expiresAt_, [now](const auto& entry) { return entry.second < now - kKeepAfterExpirySeconds; });
  expiresAt_[jwtId] = expiresAt;
}

bool RevokedTokens::isRevoked(const std::string& jwtId) const {
  std::lock_guard lock(mutex_);
  return expiresAt_.contains(jwtId);
}

std::size_t RevokedTokens::size() const {
  std::lock_guard lock(mutex_);
  return expiresAt_.size();
}

std::optional<std::chrono::milliseconds> RevokedTokens::reread() {
  auto now = nowSeconds();
  auto stored = store_.read([&](soci::session& sql) { return readAll(sql, now); });
  std::lock_guard lock(mutex_);
  // What another instance revoked is added; what expired here goes. A revocation of this
  // instance is in the database before it is in memory, so the stored list covers it.
  std::erase_if(expiresAt_, [now](const auto& entry) { return entry.second < now - kKeepAfterExpirySeconds; });
  expiresAt_.merge(stored);
  return pollInterval_;
}

}  // namespace boxoffice::identity
