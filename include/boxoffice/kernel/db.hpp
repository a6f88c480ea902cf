#pragma once
// A module's own database through SOCI: one SQLite file (<data-dir>/<module>.db), or on
// PostgreSQL the module's own schema, reached as the module's own login role
// (storage.backend, docs/architecture.md#storage).
//
// Writes are serialized through one writer session and run as BEGIN IMMEDIATE ... COMMIT
// (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on: a returned write is durable).
// Reads use a small pool of reader sessions that run beside the writer. Neither may be called
// on an io thread. A lost PostgreSQL connection throws StorageUnavailable; the session is
// opened again on its next use.
//
//   store.write([&](Tx& tx) {
//     tx.sql() << "UPDATE ...", soci::use(x);
//     tx.publish(message, ctx.correlationId);  // same transaction (message_json.hpp)
//   });
#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <soci/soci.h>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/storage_error.hpp"
#include "boxoffice/kernel/wal_checkpointer.hpp"

namespace sqlite_api {
// SOCI's sqlite3 backend wraps sqlite3.h in this namespace.
struct sqlite3;
}  // namespace sqlite_api

namespace boxoffice {

class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reading dynamic rows: SQLite reports an integer column as int, long long or double depending
// on its declared type and value, and SOCI's row::get<T> throws bad_cast on a mismatch.
// SOCI reads a column declared INTEGER as a 32-bit int: declare 64-bit columns (Unix
// milliseconds, money) BIGINT, or read them with a typed soci::into(std::int64_t).
namespace rows {
std::int64_t integer(const soci::row& row, std::size_t i);
std::string text(const soci::row& row, std::size_t i);  // "" for NULL
}  // namespace rows

// Which SQL engine a Database talks to.
enum class Dialect { Sqlite, Postgresql };

struct Migration {
  std::string_view module;  // folder under migrations/
  std::string_view name;    // "0001_init.sql"; "0001_init.postgresql.sql" is that one's PostgreSQL form
  std::string_view sql;
};
// Every migrations/<module>/NNNN_*.sql, embedded in the binary at build time, sorted by name.
// NNNN_x.sql is shared by both dialects; NNNN_x.postgresql.sql or NNNN_x.sqlite.sql replaces it
// for that dialect (or, without a shared file, is that dialect's alone). Either is recorded as
// NNNN_x.sql in kernel_migrations.
std::span<const Migration> embeddedMigrations();

// A parameter of Tx::exec, bound by position.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string_view>;

class StatementCache;  // prepared statements of the writer session (db.cpp)

// Thrown by Tx::savepoint when its savepoint cannot be rolled back because SQLite already ended
// the whole transaction (e.g. SQLITE_FULL): nothing of the transaction is left, so the caller
// must not go on writing in it. Database::write rolls back and rethrows.
class TransactionAborted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A row of Tx::queryRow's result: valid only inside its callback. Columns count from 0.
// One implementation per backend (db.cpp, postgres_statements.cpp).
class ResultRow {
 public:
  virtual ~ResultRow() = default;
  virtual bool isNull(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;  // NULL reads as 0
  virtual std::string text(int column) const = 0;      // NULL reads as ""

 protected:
  ResultRow() = default;
  ResultRow(const ResultRow&) = default;
  ResultRow& operator=(const ResultRow&) = default;
};

// One open write transaction. Anything published through it reaches the module's outbox in the
// same commit; the bus delivers it after the commit (and after a crash, on the next start).
class Tx {
 public:
  Tx(soci::session& session, StatementCache& cache) : session_(session), cache_(cache) {}
  soci::session& sql() { return session_; }
  // Runs one statement through a cache of prepared statements: the hot path for writes that
  // repeat (no SQL parse per call). Parameters bind to ?1, ?2, ... in order; a std::string_view,
  // std::string, integer, double or nullptr each. Returns the number of rows changed.
  template <class... Args>
  int exec(std::string_view sql, const Args&... args) {
    const SqlValue values[] = {SqlValue(nullptr), toValue(args)...};
    return execValues(sql, std::span<const SqlValue>(values + 1, sizeof...(Args)));
  }
  // The first row of a query run through the same cache (a lookup on the hot path: no SQL
  // parse per call). Calls `onRow(const ResultRow&)` with it and returns true, or returns false
  // when the query has no row. Parameters bind as for exec().
  template <class OnRow, class... Args>
  bool queryRow(std::string_view sql, OnRow&& onRow, const Args&... args) {
    const SqlValue values[] = {SqlValue(nullptr), toValue(args)...};
    return queryValues(sql, std::span<const SqlValue>(values + 1, sizeof...(Args)),
                       std::function<void(const ResultRow&)>(std::forward<OnRow>(onRow)));
  }
  // Returns the new message's id.
  std::string publish(std::string_view topic, std::string_view type, const boost::json::object& payload,
                      std::string_view correlationId, std::string_view causationId = {}, int version = 1);
  // Publishes a typed message (boxoffice/kernel/message.hpp): topic, type and version come from
  // its type, the payload from its described fields. Defined in boxoffice/kernel/message_json.hpp,
  // which a .cpp that publishes this way includes.
  template <class Message>
  requires requires {
    Message::topic;
    Message::type;
    Message::messageVersion;
  }
  std::string publish(const Message& message, std::string_view correlationId, std::string_view causationId = {});
  bool published() const { return published_; }
  // Messages published while handling another message name it as their cause by default.
  void setDefaultCausation(std::string messageId) { defaultCausation_ = std::move(messageId); }
  // Runs after COMMIT succeeds, before the write lock is released, in the order registered, so
  // in-memory state mirrors exactly what is durable and no other writer sees it half-applied.
  // Dropped if the transaction rolls back. Must not throw.
  void afterCommit(std::function<void()> callback) { afterCommit_.push_back(std::move(callback)); }
  // Runs if the transaction rolls back (to undo in-memory changes made while deciding).
  void onRollback(std::function<void()> callback) { onRollback_.push_back(std::move(callback)); }
  // Executes a script of several statements (migrations); SOCI prepares only one at a time.
  void executeScript(std::string_view sql);
  Dialect dialect() const;

  // Runs `work(tx)` inside a SAVEPOINT of its own (uniquely named, so it nests with others).
  // Returns normally: the savepoint is released; its writes and the hooks registered inside it
  // belong to the enclosing transaction (or savepoint) from then on.
  // `work` throws: the writes since the savepoint are rolled back, the onRollback hooks registered
  // inside it run at once in reverse order, its afterCommit hooks are dropped, and the exception
  // propagates; the transaction itself stays open. If SQLite had already ended the transaction,
  // TransactionAborted is thrown instead.
  template <class F>
  auto savepoint(F&& work) -> decltype(work(std::declval<Tx&>())) {
    auto mark = beginSavepoint();
    try {
      if constexpr (std::is_void_v<decltype(work(*this))>) {
        work(*this);
        releaseSavepoint(mark);
      } else {
        auto result = work(*this);
        releaseSavepoint(mark);
        return result;
      }
    } catch (...) {
      rollbackSavepoint(mark);  // throws TransactionAborted if the transaction is gone
      throw;
    }
  }

 private:
  struct SavepointMark {
    std::string name;
    std::size_t afterCommit;
    std::size_t onRollback;
  };
  SavepointMark beginSavepoint();
  void releaseSavepoint(const SavepointMark& mark);
  void rollbackSavepoint(const SavepointMark& mark);

  template <class T>
  static SqlValue toValue(const T& value) {
    if constexpr (std::is_same_v<T, SqlValue>) {
      return value;
    } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
      return nullptr;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<std::int64_t>(value);
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<double>(value);
    } else {
      return std::string_view(value);
    }
  }
  int execValues(std::string_view sql, std::span<const SqlValue> values);
  bool queryValues(std::string_view sql, std::span<const SqlValue> values,
                   const std::function<void(const ResultRow&)>& onRow);

  soci::session& session_;
  StatementCache& cache_;
  bool published_ = false;
  std::string defaultCausation_;
  std::uint64_t savepointDepth_ = 0;  // open savepoints, which name them (beginSavepoint)
  std::vector<std::function<void()>> afterCommit_;
  std::vector<std::function<void()>> onRollback_;
  friend class Database;
};

// Full: COMMIT returns once the change is on disk (synchronous=FULL). Relaxed: for bookkeeping
// whose loss is harmless (marking outbox rows delivered: a lost mark means a redelivery that the
// inbox dedupes); in WAL mode it is made durable by the next Full commit.
enum class Durability { Full, Relaxed };

class Database {
 public:
  // Where a PostgreSQL-backed module's data lives.
  struct Postgres {
    std::string connection;  // libpq key=value string naming the database, the module's role and password
    std::string schema;      // the module's schema (its role owns it)
  };
  struct Options {
    std::filesystem::path file;  // SQLite; ":memory:" is not supported: WAL needs a file
    std::string module;
    int busyTimeoutMs = 5000;
    int readers = 4;
    WalCheckpointer::Options checkpoints{};  // SQLite only
    std::optional<Postgres> postgres{};      // set: PostgreSQL instead of the file
    // Runs on every new writer session before its first transaction: once on SQLite, and on
    // PostgreSQL again after every reconnect (a session-level lock, e.g. an advisory lock that
    // fences a single writer, went with the old connection and must be taken again before any
    // write). Throwing refuses the session: it is closed, the write that needed it fails with
    // that exception (throw StorageUnavailable to have callers answer 503 with your reason; any
    // other exception there is reported as a lost connection), and the next write tries again.
    std::function<void(soci::session&)> onWriterSession{};
  };

  Database(Options options, Logger log);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Creates the kernel tables (migrations, outbox, inbox, dead letters) and applies this
  // module's migrations in order, each once, in a transaction, recording its checksum.
  // Throws StartupError if an applied migration's text has changed.
  void migrate(std::span<const Migration> migrations);
  // Checks without changing anything that every migration of this module is applied (serve on
  // PostgreSQL, whose roles may not create tables outside `boxoffice migrate`). Throws
  // StartupError naming what to run otherwise.
  void checkMigrated(std::span<const Migration> migrations);
  // The names of applied migrations, in the order applied (tests check what migrate() did).
  std::vector<std::string> appliedMigrations();

  // Runs `work(tx)` in a write transaction and commits it; returns what `work` returns. If `work`
  // throws, its writes are rolled back, its onRollback hooks run, and the exception propagates.
  //
  // Group commit: writers that arrive while another transaction is running queue up, and the
  // next one to get the write lock runs every queued `work` in ONE transaction, each inside its
  // own savepoint (Tx::savepoint: a throwing one is rolled back alone, with its hooks), and
  // commits once. Under concurrent load many callers share one fsync instead of paying one
  // each; a caller alone runs exactly as before. A `work` may thus run on another caller's
  // thread, after earlier writes of the same group: it must not depend on which thread runs it.
  // If the group's transaction fails as a whole (COMMIT fails, or SQLite ended it), every caller
  // of the group gets that error and nothing of the group is applied.
  template <class F>
  auto write(F&& work, Durability durability = Durability::Full) {
    using Result = decltype(work(std::declval<Tx&>()));
    if constexpr (std::is_void_v<Result>) {
      Job job{.durability = durability, .work = [&](Tx& tx, bool isolate) {
                if (isolate) {
                  tx.savepoint(work);
                } else {
                  work(tx);
                }
              }};
      run(job);
    } else {
      std::optional<Result> result;
      Job job{.durability = durability, .work = [&](Tx& tx, bool isolate) {
                if (isolate) {
                  result.emplace(tx.savepoint(work));
                } else {
                  result.emplace(work(tx));
                }
              }};
      run(job);
      return std::move(*result);
    }
  }

  template <class F>
  auto read(F&& work) {
    auto session = acquireReader();
    try {
      return work(*session);
    } catch (...) {
      readFailed(*session);  // throws StorageUnavailable instead if the connection was lost
      throw;
    }
  }

  const std::string& module() const { return options_.module; }
  const std::filesystem::path& file() const { return options_.file; }
  Dialect dialect() const { return options_.postgres ? Dialect::Postgresql : Dialect::Sqlite; }
  // What the log's checkpointer did so far (tests, diagnostics); zeros on PostgreSQL.
  WalCheckpointer::Stats checkpointStats() const;
  // Called after every commit that published messages (the outbox dispatcher wakes up).
  void onOutboxCommit(std::function<void()> listener);

 private:
  struct ReaderReturn {
    Database* db;
    void operator()(soci::session* s) const;
  };
  std::unique_ptr<soci::session, ReaderReturn> acquireReader();
  std::unique_ptr<soci::session> open() const;
  // The writer session and its statement cache, opened again if PostgreSQL lost the connection.
  void ensureWriter();
  // Opens the PostgreSQL writer session, runs onWriterSession on it and makes it the writer.
  void openPostgresWriter();
  // What this module's migrations are for the dialect, sorted by recorded name.
  std::vector<std::pair<std::string, const Migration*>> migrationsFor(std::span<const Migration> all) const;
  std::string where() const;  // the file, or the schema, for messages
  // One caller's write, queued for the next group. `done` and `error` are set by whichever
  // thread runs the group, while it holds writeMutex_ (the owner reads them under it too).
  struct Job {
    Durability durability;
    std::function<void(Tx&, bool isolate)> work;  // isolate: inside its own savepoint
    bool done = false;
    std::exception_ptr error{};
  };
  void run(Job& job);
  // The writer's WAL hook: hands the log's length to the checkpointer.
  static int onWalCommit(void* checkpointer, sqlite_api::sqlite3* db, const char* name, int frames);
  // Runs up to kMaxGroup queued jobs in one transaction; returns whether it published.
  bool runGroup();
  void begin(Durability durability);
  // COMMIT; on PostgreSQL, a commit whose answer was lost is looked up by its transaction id.
  void commit();
  void rollback(Tx& tx);
  void readFailed(soci::session& session) const;

  Options options_;
  Logger log_;
  std::mutex writeMutex_;
  std::mutex queueMutex_;
  std::deque<Job*> queue_;  // waiting writers, oldest first
  std::unique_ptr<soci::session> writer_;
  std::unique_ptr<StatementCache> statements_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after the writer: stops before it closes
  std::mutex readersMutex_;
  std::condition_variable readerFree_;
  std::vector<std::unique_ptr<soci::session>> idleReaders_;
  int openReaders_ = 0;
  std::function<void()> outboxListener_;
  Durability current_ = Durability::Full;
};

}  // namespace boxoffice
