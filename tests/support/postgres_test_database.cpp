#include "postgres_test_database.hpp"

#include <array>
#include <cstdlib>
#include <functional>
#include <regex>
#include <stdexcept>

#include "process.hpp"

namespace boxoffice::testing {

namespace {
constexpr std::array<const char*, 8> kModules{"identity", "inventory",     "events", "payments",
                                              "orders",   "notifications", "audit",  "tickets"};
}  // namespace

int runPsql(const std::string& connection, const std::string& sql, std::string& output) {
  auto dir = process::makeTempDir("boxoffice-psql");
  auto outputFile = dir / "output";
  auto pid = process::spawn("/usr/bin/psql", {connection, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql},
                            process::environmentWith({}), outputFile);
  int code = process::waitFor(pid, 60000);
  output = process::readFile(outputFile);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return code;
}

namespace {
std::string databaseNameFor(const std::filesystem::path& dataDir) {
  auto hash = std::hash<std::string>{}(std::filesystem::absolute(dataDir).lexically_normal().string());
  return "bx" + std::to_string(hash % 1000000000000ULL);
}
}  // namespace

namespace {
// The one SQLite function the tests' queries use that PostgreSQL lacks: json_extract(column,
// '$.key') becomes (column::json ->> 'key').
std::string postgresSqlOf(const std::string& sql) {
  static const std::regex jsonExtract(R"(json_extract\(([A-Za-z_.]+), '\$\.([A-Za-z_]+)'\))");
  return std::regex_replace(sql, jsonExtract, "($1::json ->> '$2')");
}
}  // namespace

std::optional<std::vector<std::vector<std::optional<std::string>>>> queryPostgresInstead(
    const std::filesystem::path& moduleFile, const std::string& sql) {
  const char* admin = std::getenv("BX_PG_ADMIN_URL");
  if (admin == nullptr || *admin == '\0') return std::nullopt;
  // A test that ran the binary on SQLite itself (no TestServer) has the file: read that.
  if (std::filesystem::exists(moduleFile)) return std::nullopt;
  auto module = moduleFile.stem().string();
  auto dir = process::makeTempDir("boxoffice-psql");
  auto outputFile = dir / "output";
  // Unit and record separators split fields and rows; \x01 marks NULL.
  auto pid = process::spawn(
      "/usr/bin/psql",
      {std::string(admin) + " dbname=" + databaseNameFor(moduleFile.parent_path()), "-X", "-q", "-A", "-t", "-F",
       "\x1f", "-R", "\x1e", "-P", "null=\x01", "-v", "ON_ERROR_STOP=1", "-c",
       "SET client_min_messages = warning; SET search_path TO " + module + ", extensions; " + postgresSqlOf(sql)},
      process::environmentWith({}), outputFile);
  int code = process::waitFor(pid, 60000);
  auto output = process::readFile(outputFile);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (code != 0) throw std::runtime_error("SQL error on schema " + module + ": " + output);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  std::vector<std::vector<std::optional<std::string>>> rows;
  if (output.empty()) return rows;
  std::size_t start = 0;
  for (;;) {
    auto end = output.find('\x1e', start);
    auto record = output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::vector<std::optional<std::string>> row;
    std::size_t fieldStart = 0;
    for (;;) {
      auto fieldEnd = record.find('\x1f', fieldStart);
      auto field = record.substr(fieldStart, fieldEnd == std::string::npos ? std::string::npos : fieldEnd - fieldStart);
      if (field == "\x01") {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(field);
      }
      if (fieldEnd == std::string::npos) break;
      fieldStart = fieldEnd + 1;
    }
    rows.push_back(std::move(row));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return rows;
}

std::optional<PostgresTestDatabase> PostgresTestDatabase::forDataDir(const std::filesystem::path& dataDir,
                                                                     const std::string& adminUrl) {
  std::string admin = adminUrl;
  if (admin.empty()) {
    const char* fromEnv = std::getenv("BX_PG_ADMIN_URL");
    if (fromEnv == nullptr || *fromEnv == '\0') return std::nullopt;
    admin = fromEnv;
  }
  PostgresTestDatabase database(admin, databaseNameFor(dataDir));
  std::string output;
  // A server restarted on the same data directory finds its database there already.
  if (runPsql(admin, "CREATE DATABASE " + database.name_, output) != 0 &&
      output.find("already exists") == std::string::npos) {
    throw std::runtime_error("cannot create test database " + database.name_ + ": " + output);
  }
  return database;
}

std::vector<std::pair<std::string, std::string>> PostgresTestDatabase::environment() const {
  // In a libpq key=value string the last of a repeated keyword wins.
  return {{"BOXOFFICE_STORAGE_BACKEND", "postgresql"},
          {"BOXOFFICE_STORAGE_POSTGRESQL_URL", adminUrl_ + " dbname=" + name_},
          {"BOXOFFICE_STORAGE_POSTGRESQL_ADMIN_URL", adminUrl_ + " dbname=" + name_},
          {"BOXOFFICE_STORAGE_POSTGRESQL_ROLE_PREFIX", name_ + "_"}};
}

int PostgresTestDatabase::adminSql(const std::string& sql, std::string& output) const {
  return runPsql(adminUrl_ + " dbname=" + name_, sql, output);
}

void PostgresTestDatabase::drop() const {
  std::string output;
  runPsql(adminUrl_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", output);
  std::string roles;
  for (const char* module : kModules) roles += (roles.empty() ? "" : ", ") + name_ + "_" + module;
  runPsql(adminUrl_, "DROP ROLE IF EXISTS " + roles, output);
}

}  // namespace boxoffice::testing
