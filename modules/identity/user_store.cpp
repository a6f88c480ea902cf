#include "user_store.hpp"

#include <algorithm>

#include "boxoffice/kernel/time.hpp"

namespace boxoffice::identity::user_store {

namespace {

constexpr const char* kColumns = "id, email, display_name, password_hash, roles, created_at_ms";

struct Row {
  std::string id, email, displayName, passwordHash, roles;
  long long createdAtMs = 0;
};

UserRecord toRecord(const Row& row) {
  return {UserSummary{row.id, row.email, row.displayName, decodeRoles(row.roles),
                      formatRfc3339(fromUnixMillis(row.createdAtMs))},
          row.passwordHash};
}

std::optional<UserRecord> findBy(soci::session& sql, const std::string& column, const std::string& value) {
  Row row;
  sql << "SELECT " << kColumns << " FROM users WHERE " << column << " = :v", soci::use(value), soci::into(row.id),
      soci::into(row.email), soci::into(row.displayName), soci::into(row.passwordHash), soci::into(row.roles),
      soci::into(row.createdAtMs);
  if (!sql.got_data()) return std::nullopt;
  return toRecord(row);
}

}  // namespace

std::optional<UserRecord> findByEmail(soci::session& sql, const std::string& normalizedEmail) {
  return findBy(sql, "email", normalizedEmail);
}

std::optional<UserRecord> findById(soci::session& sql, const std::string& id) { return findBy(sql, "id", id); }

bool emailExists(soci::session& sql, const std::string& normalizedEmail) {
  int found = 0;
  sql << "SELECT COUNT(*) FROM users WHERE email = :email", soci::use(normalizedEmail), soci::into(found);
  return found > 0;
}

bool recordRegistrationAttempt(soci::session& sql, const std::string& id, std::int64_t nowMs,
                               std::int64_t noticeIntervalMs) {
  soci::indicator noticedIndicator = soci::i_null;
  std::int64_t noticedAt = 0;
  sql << "SELECT registration_notice_at_ms FROM users WHERE id = :id", soci::use(id),
      soci::into(noticedAt, noticedIndicator);
  bool notify = noticedIndicator == soci::i_null || nowMs - noticedAt >= noticeIntervalMs;
  if (notify) {
    sql << "UPDATE users SET registration_attempts = registration_attempts + 1, registration_notice_at_ms = :now "
           "WHERE id = :id",
        soci::use(nowMs), soci::use(id);
  } else {
    sql << "UPDATE users SET registration_attempts = registration_attempts + 1 WHERE id = :id", soci::use(id);
  }
  return notify;
}

void insert(soci::session& sql, const UserRecord& record, std::int64_t createdAtMs) {
  const auto& u = record.user;
  std::string roles = encodeRoles(u.roles);
  long long created = createdAtMs;
  sql << "INSERT INTO users (id, email, display_name, password_hash, roles, created_at_ms, updated_at_ms, signup_seq) "
         "VALUES (:id, :email, :name, :hash, :roles, :created, :updated, "
         "(SELECT COALESCE(MAX(signup_seq), 0) + 1 FROM users))",
      soci::use(u.id), soci::use(u.email), soci::use(u.displayName), soci::use(record.passwordHash), soci::use(roles),
      soci::use(created), soci::use(created);
}

void updateRoles(soci::session& sql, const std::string& id, const std::vector<auth::Role>& roles, std::int64_t nowMs) {
  std::string text = encodeRoles(roles);
  long long now = nowMs;
  sql << "UPDATE users SET roles = :roles, updated_at_ms = :now WHERE id = :id", soci::use(text), soci::use(now),
      soci::use(id);
}

void updatePasswordHash(soci::session& sql, const std::string& id, const std::string& hash, std::int64_t nowMs) {
  long long now = nowMs;
  sql << "UPDATE users SET password_hash = :hash, updated_at_ms = :now WHERE id = :id", soci::use(hash), soci::use(now),
      soci::use(id);
}

std::int64_t count(soci::session& sql) {
  long long total = 0;
  sql << "SELECT COUNT(*) FROM users", soci::into(total);
  return total;
}

std::vector<UserSummary> page(soci::session& sql, std::int64_t offset, std::int64_t limit) {
  long long off = offset;
  long long lim = limit;
  Row row;
  soci::statement st =
      (sql.prepare << "SELECT " << kColumns << " FROM users ORDER BY signup_seq LIMIT :limit OFFSET :offset",
       soci::use(lim), soci::use(off), soci::into(row.id), soci::into(row.email), soci::into(row.displayName),
       soci::into(row.passwordHash), soci::into(row.roles), soci::into(row.createdAtMs));
  st.execute();
  std::vector<UserSummary> out;
  while (st.fetch()) out.push_back(toRecord(row).user);
  return out;
}

std::vector<auth::Role> canonicalRoles(std::vector<auth::Role> roles) {
  std::sort(roles.begin(), roles.end());  // enum order: Admin, Organizer, User
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

std::string encodeRoles(const std::vector<auth::Role>& roles) {
  std::string out;
  for (auto role : canonicalRoles(roles)) {
    if (!out.empty()) out += ',';
    out += auth::to_string(role);
  }
  return out;
}

std::vector<auth::Role> decodeRoles(const std::string& text) {
  std::vector<auth::Role> roles;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    // An unknown name (from a newer version) is skipped rather than granting anything.
    if (auto role = auth::parseRole(std::string_view(text).substr(start, end - start))) roles.push_back(*role);
    start = end + 1;
  }
  return canonicalRoles(std::move(roles));
}

}  // namespace boxoffice::identity::user_store
