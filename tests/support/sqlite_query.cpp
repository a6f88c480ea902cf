#include "sqlite_query.hpp"

#include <memory>
#include <sqlite3.h>
#include <stdexcept>

#include "postgres_test_database.hpp"

namespace boxoffice::testing {

namespace {
struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;

DbHandle openDb(const std::filesystem::path& file, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    throw std::runtime_error("cannot open " + file.string() + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  // The server may be writing at the same moment; wait for its lock rather than fail.
  sqlite3_busy_timeout(raw, 5000);
  return db;
}
}  // namespace

std::vector<SqlRow> queryDb(const std::filesystem::path& file, const std::string& sql) {
  if (auto rows = queryPostgresInstead(file, sql)) return *rows;
  auto db = openDb(file, SQLITE_OPEN_READONLY);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error("SQL error on " + file.string() + ": " + sqlite3_errmsg(db.get()));
  }
  std::unique_ptr<sqlite3_stmt, FinalizeStatement> statement(raw);
  std::vector<SqlRow> rows;
  for (;;) {
    int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      throw std::runtime_error("SQL error on " + file.string() + ": " + sqlite3_errmsg(db.get()));
    }
    SqlRow row;
    for (int i = 0; i < sqlite3_column_count(raw); ++i) {
      if (sqlite3_column_type(raw, i) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(raw, i)));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void execDb(const std::filesystem::path& file, const std::string& sql) {
  if (queryPostgresInstead(file, sql)) return;
  auto db = openDb(file, SQLITE_OPEN_READWRITE);
  char* error = nullptr;
  if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("SQL error on " + file.string() + ": " + message);
  }
}

}  // namespace boxoffice::testing
