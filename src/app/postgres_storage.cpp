#include "app/postgres_storage.hpp"

#include <fstream>
#include <libpq-fe.h>
#include <map>
#include <memory>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "boxoffice/kernel/error_text.hpp"

namespace boxoffice::app {

namespace {

// Role, schema and database names go into SQL as identifiers: only lower-case letters, digits
// and underscores, so that no quoting is needed and none can be got wrong.
void requireIdentifier(const std::string& name, const std::string& what) {
  bool plain = !name.empty() && name.size() <= 63 && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!plain) throw StartupError(what + " '" + name + "' must be 1 to 63 of a-z, 0-9 and _, not starting with a digit");
}

std::string quoteLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A libpq conninfo value in single quotes (backslash and quote escaped).
std::string quoteConninfo(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// storage.postgresql.url (a URI or a key=value string) as its key/value pairs, with `overrides`
// put in place of the same keys.
std::string conninfoWith(const std::string& url, const std::map<std::string, std::string>& overrides) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(url.c_str(), &error),
                                                                       &PQconninfoFree);
  if (!options) {
    std::string message = error ? error : "cannot parse it";
    PQfreemem(error);
    throw StartupError("storage.postgresql.url is not a PostgreSQL connection string: " + message);
  }
  std::string out;
  for (auto* option = options.get(); option->keyword; ++option) {
    if (!option->val || overrides.contains(option->keyword)) continue;
    out += std::string(option->keyword) + "=" + quoteConninfo(option->val) + " ";
  }
  for (const auto& [key, value] : overrides) out += key + "=" + quoteConninfo(value) + " ";
  return out;
}

// storage.postgresql.passwordsFile: one `module=password` a line; # starts a comment.
std::map<std::string, std::string> readPasswords(const Config& config) {
  std::map<std::string, std::string> passwords;
  auto file = config.getString("storage.postgresql.passwordsFile");
  if (file.empty()) return passwords;
  std::ifstream in(file);
  if (!in) throw StartupError("cannot read storage.postgresql.passwordsFile " + file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw StartupError("storage.postgresql.passwordsFile " + file + ": a line is not module=password");
    }
    passwords[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return passwords;
}

}  // namespace

bool usesPostgres(const Config& config) {
  auto backend = config.getString("storage.backend");
  if (backend == "sqlite") return false;
  if (backend == "postgresql") return true;
  throw StartupError("storage.backend must be sqlite or postgresql, not '" + backend + "'");
}

std::string moduleRole(const Config& config, std::string_view module) {
  std::string role = config.getString("storage.postgresql.rolePrefix") + std::string(module);
  requireIdentifier(role, "role");
  return role;
}

Database::Postgres moduleConnection(const Config& config, std::string_view module) {
  std::map<std::string, std::string> overrides{{"user", moduleRole(config, module)},
                                               {"application_name", "boxoffice-" + std::string(module)}};
  auto passwords = readPasswords(config);
  if (auto it = passwords.find(std::string(module)); it != passwords.end()) overrides["password"] = it->second;
  auto url = config.getString("storage.postgresql.url");
  if (url.empty()) throw StartupError("storage.backend is postgresql but storage.postgresql.url is empty");
  std::string schema(module);
  requireIdentifier(schema, "schema");
  return {conninfoWith(url, overrides), schema};
}

void preparePostgres(const Config& config, std::span<const std::string_view> modules, Logger& log) {
  auto adminUrl = config.getString("storage.postgresql.adminUrl");
  if (adminUrl.empty()) {
    throw StartupError(
        "boxoffice migrate on PostgreSQL needs storage.postgresql.adminUrl (a role that may create "
        "roles and schemas)");
  }
  auto passwords = readPasswords(config);
  try {
    soci::session admin(soci::postgresql, adminUrl);
    std::string database;
    admin << "SELECT current_database()", soci::into(database);
    requireIdentifier(database, "database");
    // Roles are global to the cluster: two migrates at once would both try to create them.
    admin << "DO $$ BEGIN PERFORM pg_advisory_lock(hashtext('boxoffice.prepare')); END $$";
    admin << "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC";
    admin << "REVOKE ALL ON SCHEMA public FROM PUBLIC";
    admin << "CREATE SCHEMA IF NOT EXISTS extensions";
    admin << "REVOKE ALL ON SCHEMA extensions FROM PUBLIC";
    admin << "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA extensions";
    // COLLATE NOCASE in the shared SQL: case-insensitive comparison and order, as SQLite's.
    admin << "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'nocase' AND "
             "collnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'extensions')) THEN CREATE COLLATION "
             "extensions.nocase (provider = icu, "
             "locale = 'und-u-ks-level2', deterministic = false); END IF; END $$";
    for (auto module : modules) {
      std::string role = moduleRole(config, module);
      std::string schema(module);
      requireIdentifier(schema, "schema");
      admin << "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + quoteLiteral(role) +
                   ") THEN CREATE ROLE " + role + " LOGIN; END IF; END $$";
      if (auto it = passwords.find(schema); it != passwords.end()) {
        admin << "ALTER ROLE " + role + " PASSWORD " + quoteLiteral(it->second);
      }
      admin << "GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + role;
      admin << "CREATE SCHEMA IF NOT EXISTS " + schema + " AUTHORIZATION " + role;
      admin << "ALTER SCHEMA " + schema + " OWNER TO " + role;
      admin << "REVOKE ALL ON SCHEMA " + schema + " FROM PUBLIC";
      admin << "GRANT USAGE ON SCHEMA extensions TO " + role;
      admin << "ALTER ROLE " + role + " IN DATABASE " + database + " SET search_path = " + schema + ", extensions";
    }
    admin << "DO $$ BEGIN PERFORM pg_advisory_unlock(hashtext('boxoffice.prepare')); END $$";
    log.info("postgresql roles and schemas ready", {{"database", database}});
  } catch (const StartupError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartupError("cannot prepare the PostgreSQL database with storage.postgresql.adminUrl: " + errorText(e));
  }
}

}  // namespace boxoffice::app
