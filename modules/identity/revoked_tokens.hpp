#pragma once
// Access tokens revoked before their expiry (by sign-out). Access tokens are otherwise stateless;
// a revocation is written to the identity database first and then kept in memory, where every
// authenticated request looks it up. Rows live until the token would have expired anyway, so the
// list holds at most one token lifetime of sign-outs (15 minutes by default).
//
// Every instance reads the whole list at start, so a restart keeps refusing a signed-out token.
// With more than one instance on one database (PostgreSQL), each re-reads the list every
// `pollInterval`: a token signed out on one instance is refused on the others within that time.
// The whole (small) list is read each time rather than "what is new", because neither the
// instances' clocks nor the order in which concurrent transactions commit can be trusted to
// make "new since the last read" exact.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice::identity {

class RevokedTokens {
 public:
  // `pollInterval` zero: never re-read (one process owns the database: SQLite).
  RevokedTokens(Database& store, const Clock& clock, Logger log, std::chrono::milliseconds pollInterval);
  RevokedTokens(const RevokedTokens&) = delete;
  RevokedTokens& operator=(const RevokedTokens&) = delete;

  void load();   // the list as stored (at start)
  void start();  // the re-reading worker, when there is one
  void stop();

  // Durable before it returns; the token is refused from then on.
  void revoke(const std::string& jwtId, std::int64_t expiresAt);
  bool isRevoked(const std::string& jwtId) const;
  std::size_t size() const;

 private:
  std::optional<std::chrono::milliseconds> reread();
  std::int64_t nowSeconds() const;

  Database& store_;
  const Clock& clock_;
  Logger log_;
  std::chrono::milliseconds pollInterval_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> expiresAt_;  // jti -> exp
  BackgroundWorker worker_;
};

}  // namespace boxoffice::identity
