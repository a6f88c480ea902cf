#pragma once
// The writer session's prepared statements, one implementation per backend: Tx::exec and
// Tx::queryRow run through it (SQLite: db.cpp, PostgreSQL: postgres_statements.cpp). Only the
// writer uses it, under the write lock. Private to the kernel's storage code.
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "boxoffice/kernel/db.hpp"

namespace boxoffice {

class StatementCache {
 public:
  virtual ~StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  virtual Dialect dialect() const = 0;
  // Runs one statement (parameters bind to ?1, ?2, ... or ? in order); returns the rows changed.
  virtual int exec(std::string_view sql, std::span<const SqlValue> values) = 0;
  // Calls onRow with the first row of a query and returns true, or returns false without a row.
  virtual bool query(std::string_view sql, std::span<const SqlValue> values,
                     const std::function<void(const ResultRow&)>& onRow) = 0;
  // Several statements at once (migrations, the kernel schema); no parameters.
  virtual void script(std::string_view sql) = 0;
  // Whether the engine ended the open transaction by itself (SQLite after SQLITE_FULL), so that
  // no savepoint of it is left to roll back to.
  virtual bool transactionGone() const = 0;

 protected:
  StatementCache() = default;
};

// The PostgreSQL implementation over the libpq connection under a SOCI postgresql session.
std::unique_ptr<StatementCache> makePostgresStatements(soci::session& session);
// Whether the libpq connection under a SOCI postgresql session is broken (server restarted,
// network lost): such a session must be opened again.
bool postgresConnectionLost(soci::session& session);
// Whether the open PostgreSQL transaction failed (a statement in it raised an error that no
// savepoint undid): its COMMIT would quietly roll back instead.
bool postgresTransactionFailed(soci::session& session);

}  // namespace boxoffice
