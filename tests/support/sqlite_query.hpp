#pragma once
// Reads a module's SQLite file directly, as an operator would with the sqlite3 shell: tests use
// it to check what the server persisted (outbox rows, inbox rows) without going through HTTP.
// On the suite's PostgreSQL run (BX_PG_ADMIN_URL) the same SQL goes to the module's schema in
// the server's database instead (postgres_test_database.hpp).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace boxoffice::testing {

using SqlRow = std::vector<std::optional<std::string>>;  // nullopt for SQL NULL

// Runs one statement read-only and returns every row as text. Throws with SQLite's message.
std::vector<SqlRow> queryDb(const std::filesystem::path& file, const std::string& sql);

// Runs statements that change the file (e.g. to fake a crash between commit and dispatch).
void execDb(const std::filesystem::path& file, const std::string& sql);

}  // namespace boxoffice::testing
