#include "identity_service.hpp"

#include <algorithm>
#include <chrono>

#include "boxoffice/identity/messages.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "email.hpp"
#include "password_policy.hpp"
#include "user_store.hpp"

namespace boxoffice::identity {

namespace {

std::string trim(std::string_view text) {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// The rules an account's fields keep, whoever creates it (an Admin, or the person signing up).
json::Validation validateNewUser(const std::string& email, const std::string& password,
                                 const std::string& displayName) {
  json::Validation validation;
  if (auto problem = emailProblem(email)) validation.add("email", *problem);
  if (auto problem = passwordProblem(password, email)) validation.add("password", *problem);
  if (displayName.empty() || utf8Length(displayName) > 100) {
    validation.add("displayName", "must be 1 to 100 characters");
  }
  return validation;
}

Problem emailTaken() {
  return Problem::conflict("email-taken", "The email is already registered.",
                           "An account with this email address already exists.");
}

}  // namespace

IdentityService::IdentityService(Database& store, const PasswordHasher& hasher, Logger log, const Clock& clock)
    : store_(store), hasher_(hasher), log_(std::move(log)), clock_(clock) {}

UserSummary IdentityService::createUser(const NewUser& input, std::string_view correlationId) {
  auto email = normalizeEmail(input.email);
  auto displayName = trim(input.displayName);
  auto validation = validateNewUser(email, input.password, displayName);
  if (input.roles.empty()) validation.add("roles", "must name at least one role");
  validation.throwIfAny();

  // Fail fast before spending a hash on a duplicate; the unique index decides races.
  if (store_.read([&](soci::session& sql) { return user_store::emailExists(sql, email); })) throw emailTaken();

  auto now = clock_.now();
  UserRecord record{
      UserSummary{input.id.empty() ? newUuid() : input.id, email, displayName, user_store::canonicalRoles(input.roles),
                  formatRfc3339(fromUnixMillis(toUnixMillis(now)))},
      hasher_.hash(input.password)};
  try {
    store_.write([&](Tx& tx) {
      // Writes are serialised, so this check and the insert see the same state in this process;
      // the unique index covers other processes sharing the database.
      if (user_store::emailExists(tx.sql(), email)) throw emailTaken();
      user_store::insert(tx.sql(), record, toUnixMillis(now));
      messages::UserRegistered message{record.user.id, record.user.email, record.user.displayName,
                                       record.user.createdAt};
      tx.publish(message, correlationId);
    });
  } catch (const soci::soci_error&) {
    // A constraint violation from a concurrent insert elsewhere: answer as a duplicate if that is
    // what it was; anything else is a real failure for the edge to turn into a 500.
    if (store_.read([&](soci::session& sql) { return user_store::emailExists(sql, email); })) throw emailTaken();
    throw;
  }
  log_.forRequest(std::string(correlationId))
      .info("user created", {{"userId", record.user.id}, {"roles", user_store::encodeRoles(record.user.roles)}});
  return record.user;
}

void IdentityService::registerSelf(const NewUser& input, std::string_view correlationId,
                                   std::chrono::seconds noticeInterval) {
  auto email = normalizeEmail(input.email);
  auto displayName = trim(input.displayName);
  validateNewUser(email, input.password, displayName).throwIfAny();

  // Hashed whether or not the account exists: the hash is most of the time this takes.
  auto now = clock_.now();
  auto nowMs = toUnixMillis(now);
  UserRecord record{
      UserSummary{newUuid(), email, displayName, {auth::Role::User}, formatRfc3339(fromUnixMillis(nowMs))},
      hasher_.hash(input.password)};
  bool created = store_.write([&](Tx& tx) {
    if (auto existing = user_store::findByEmail(tx.sql(), email)) {
      auto intervalMs = std::chrono::duration_cast<std::chrono::milliseconds>(noticeInterval).count();
      if (user_store::recordRegistrationAttempt(tx.sql(), existing->user.id, nowMs, intervalMs)) {
        tx.publish(messages::RegistrationAttempted{existing->user.id, existing->user.email, existing->user.displayName,
                                                   record.user.createdAt},
                   correlationId);
      }
      return false;
    }
    user_store::insert(tx.sql(), record, nowMs);
    tx.publish(
        messages::UserRegistered{record.user.id, record.user.email, record.user.displayName, record.user.createdAt},
        correlationId);
    return true;
  });
  auto log = log_.forRequest(std::string(correlationId));
  // The log may say which it was: it is the operator's, not the caller's.
  if (created) {
    log.info("user created", {{"userId", record.user.id}, {"roles", "User"}});
  } else {
    log.info("sign-up with a registered email: nothing created");
  }
}

std::optional<UserSummary> IdentityService::checkCredentials(const std::string& normalizedEmail,
                                                             std::string_view password, std::string_view requestId) {
  auto record = store_.read([&](soci::session& sql) { return user_store::findByEmail(sql, normalizedEmail); });
  if (!record) {
    hasher_.burnVerification(password);
    return std::nullopt;
  }
  if (!hasher_.verify(record->passwordHash, password)) return std::nullopt;
  if (hasher_.needsRehash(record->passwordHash)) {
    auto upgraded = hasher_.hash(password);
    auto nowMs = toUnixMillis(clock_.now());
    store_.write([&](Tx& tx) { user_store::updatePasswordHash(tx.sql(), record->user.id, upgraded, nowMs); });
    log_.forRequest(std::string(requestId))
        .info("password hash upgraded to current parameters", {{"userId", record->user.id}});
  }
  return record->user;
}

std::optional<UserSummary> IdentityService::find(const std::string& userId) const {
  auto record = store_.read([&](soci::session& sql) { return user_store::findById(sql, userId); });
  if (!record) return std::nullopt;
  return record->user;
}

std::optional<UserSummary> IdentityService::findByEmail(const std::string& normalizedEmail) const {
  auto record = store_.read([&](soci::session& sql) { return user_store::findByEmail(sql, normalizedEmail); });
  if (!record) return std::nullopt;
  return record->user;
}

UserPage IdentityService::list(std::int64_t page, std::int64_t size) const {
  return store_.read([&](soci::session& sql) {
    UserPage out;
    out.page = page;
    out.size = size;
    out.totalItems = user_store::count(sql);
    out.items = user_store::page(sql, (page - 1) * size, size);
    return out;
  });
}

UserSummary IdentityService::setRoles(const auth::Principal& caller, const std::string& userId,
                                      std::vector<auth::Role> roles, std::string_view requestId) {
  roles = user_store::canonicalRoles(std::move(roles));
  if (roles.empty()) throw Problem::validation({{"roles", "must name at least one role"}});
  bool keepsAdmin = std::find(roles.begin(), roles.end(), auth::Role::Admin) != roles.end();
  if (caller.userId == userId && caller.isAdmin() && !keepsAdmin) {
    throw Problem::conflict("own-admin-role", "You cannot remove your own Admin role.",
                            "Ask another Admin to do it, so the system always keeps an Admin.");
  }
  auto nowMs = toUnixMillis(clock_.now());
  auto updated = store_.write([&](Tx& tx) -> std::optional<UserSummary> {
    auto record = user_store::findById(tx.sql(), userId);
    if (!record) return std::nullopt;
    user_store::updateRoles(tx.sql(), userId, roles, nowMs);
    record->user.roles = roles;
    return record->user;
  });
  if (!updated) throw Problem::notFound("No user has this id.");
  log_.forRequest(std::string(requestId))
      .info("roles changed", {{"userId", userId}, {"by", caller.userId}, {"roles", user_store::encodeRoles(roles)}});
  return *updated;
}

}  // namespace boxoffice::identity
