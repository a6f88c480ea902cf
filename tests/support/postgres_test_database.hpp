#pragma once
// When the integration suite runs against PostgreSQL (scripts/test.sh exports BX_PG_ADMIN_URL,
// the superuser of its private cluster), every test server gets a database of its own, named
// after its data directory (a server restarted on the same directory finds its data again),
// with roles of its own (the prefix is the database's name), prepared by `boxoffice migrate`.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boxoffice::testing {

class PostgresTestDatabase {
 public:
  // In the cluster of `adminUrl` (empty: BX_PG_ADMIN_URL); nullopt when both are empty. Creates
  // the database if it does not exist yet.
  static std::optional<PostgresTestDatabase> forDataDir(const std::filesystem::path& dataDir,
                                                        const std::string& adminUrl = {});

  // The BOXOFFICE_STORAGE_* settings that point the binary at it.
  std::vector<std::pair<std::string, std::string>> environment() const;
  // Drops the database and its roles (when the test owned the data directory).
  void drop() const;
  const std::string& name() const { return name_; }
  // The superuser connection string of its cluster (without a database).
  const std::string& adminUrl() const { return adminUrl_; }
  // Runs SQL as the superuser in this database; returns psql's exit code, its output in `output`.
  int adminSql(const std::string& sql, std::string& output) const;

 private:
  PostgresTestDatabase(std::string adminUrl, std::string name)
      : adminUrl_(std::move(adminUrl)), name_(std::move(name)) {}
  std::string adminUrl_;
  std::string name_;
};

// Runs psql with `connection` and `sql`; returns its exit code, stdout+stderr in `output`.
int runPsql(const std::string& connection, const std::string& sql, std::string& output);

// On the suite's PostgreSQL run, what queryDb/execDb (sqlite_query.hpp) do with
// <dataDir>/<module>.db: the same SQL as the superuser in the server's database with the
// module's schema first on the search_path. Rows as text (NULL as nullopt); nullopt when the
// suite runs on SQLite or the file exists (a binary run on SQLite by the test itself). Throws
// with PostgreSQL's message.
std::optional<std::vector<std::vector<std::optional<std::string>>>> queryPostgresInstead(
    const std::filesystem::path& moduleFile, const std::string& sql);

}  // namespace boxoffice::testing
