#include "boxoffice/kernel/db.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <mutex>
#include <ranges>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sodium.h>

#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/time.hpp"
#include "sqlite_handle.hpp"

namespace boxoffice {

namespace {
// A write-ahead log frame's header; the frame is that plus one page.
constexpr std::int64_t kWalFrameHeaderBytes = 24;
// Tables every module database has, owned by the kernel: the migration ledger and the
// message plumbing (outbox for what this module publishes, inbox and dead letters for what it
// receives).
constexpr std::string_view kKernelSchema = R"sql(
CREATE TABLE IF NOT EXISTS kernel_migrations (
  name TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  dispatched_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(seq) WHERE dispatched_at IS NULL;
CREATE TABLE IF NOT EXISTS inbox (
  subscriber TEXT NOT NULL,
  message_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  type TEXT NOT NULL,
  envelope TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT,
  received_at TEXT NOT NULL,
  processed_at TEXT,
  PRIMARY KEY (subscriber, message_id)
);
-- What an inbox's worker looks up (its due messages, the next due time): the pending rows of one
-- subscriber only. Searched by subscriber alone, SQLite would walk every handled row kept for
-- the dedupe window on each look.
DROP INDEX IF EXISTS inbox_due;
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox(subscriber, next_attempt_ms) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY,
  subscriber TEXT NOT NULL,
  message_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  type TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL,
  dead_at TEXT NOT NULL,
  replayed_at TEXT
);
)sql";

}  // namespace

namespace rows {
std::int64_t integer(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return 0;
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(i);
    case soci::dt_long_long:
      return row.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<std::int64_t>(row.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<std::int64_t>(row.get<double>(i));
    default:
      return std::stoll(row.get<std::string>(i));
  }
}
std::string text(const soci::row& row, std::size_t i) {
  return row.get_indicator(i) == soci::i_null ? std::string() : row.get<std::string>(i);
}
}  // namespace rows

// Prepared statements of one session, keyed by their SQL text; finalized before the session
// closes. Only the writer uses it, under the write lock.
class StatementCache {
 public:
  explicit StatementCache(sqlite_api::sqlite3* db) : db_(db) {}
  ~StatementCache() {
    for (auto& [sql, statement] : statements_) sqlite_api::sqlite3_finalize(statement);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  sqlite_api::sqlite3_stmt* get(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite_api::sqlite3_stmt* statement = nullptr;
    if (sqlite_api::sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                       &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("cannot prepare statement: ") + sqlite_api::sqlite3_errmsg(db_));
    }
    statements_.emplace(std::string(sql), statement);
    return statement;
  }
  sqlite_api::sqlite3* db() const { return db_; }

 private:
  sqlite_api::sqlite3* db_;
  std::map<std::string, sqlite_api::sqlite3_stmt*, std::less<>> statements_;
};

namespace {
// Binds `values` to ?1, ?2, ... of a cached statement; resets it when the scope ends.
class BoundStatement {
 public:
  BoundStatement(StatementCache& cache, std::string_view sql, std::span<const SqlValue> values)
      : db_(cache.db()), statement_(cache.get(sql)) {
    using namespace sqlite_api;
    for (std::size_t i = 0; i < values.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      const auto& value = values[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(value)) {
        rc = sqlite3_bind_null(statement_, index);
      } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
        rc = sqlite3_bind_int64(statement_, index, *number);
      } else if (const auto* real = std::get_if<double>(&value)) {
        rc = sqlite3_bind_double(statement_, index, *real);
      } else {
        auto text = std::get<std::string_view>(value);
        rc = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) {
        reset();
        throw std::runtime_error(std::string("cannot bind parameter: ") + sqlite3_errmsg(db_));
      }
    }
  }
  ~BoundStatement() { reset(); }
  BoundStatement(const BoundStatement&) = delete;
  BoundStatement& operator=(const BoundStatement&) = delete;
  sqlite_api::sqlite3_stmt* get() const { return statement_; }
  [[noreturn]] void fail() const {
    throw std::runtime_error(std::string("statement failed: ") + sqlite_api::sqlite3_errmsg(db_));
  }

 private:
  void reset() {
    sqlite_api::sqlite3_reset(statement_);
    sqlite_api::sqlite3_clear_bindings(statement_);
  }
  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* statement_;
};
}  // namespace

int Tx::execValues(std::string_view sql, std::span<const SqlValue> values) {
  BoundStatement statement(cache_, sql, values);
  int rc = sqlite_api::sqlite3_step(statement.get());
  while (rc == SQLITE_ROW) rc = sqlite_api::sqlite3_step(statement.get());
  if (rc != SQLITE_DONE) statement.fail();
  return sqlite_api::sqlite3_changes(cache_.db());
}

bool Tx::queryValues(std::string_view sql, std::span<const SqlValue> values,
                     const std::function<void(const ResultRow&)>& onRow) {
  BoundStatement statement(cache_, sql, values);
  int rc = sqlite_api::sqlite3_step(statement.get());
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) statement.fail();
  onRow(ResultRow(statement.get()));
  return true;
}

bool ResultRow::isNull(int column) const { return sqlite_api::sqlite3_column_type(statement_, column) == SQLITE_NULL; }

std::int64_t ResultRow::integer(int column) const { return sqlite_api::sqlite3_column_int64(statement_, column); }

std::string ResultRow::text(int column) const {
  const auto* bytes = sqlite_api::sqlite3_column_text(statement_, column);
  if (!bytes) return {};
  return {reinterpret_cast<const char*>(bytes),  // NOLINT(*-reinterpret-cast): SQLite's text is UTF-8 bytes
          static_cast<std::size_t>(sqlite_api::sqlite3_column_bytes(statement_, column))};
}

void Tx::executeScript(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  if (sqlite_api::sqlite3_exec(sqliteHandleOf(session_), text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite_api::sqlite3_free(error);
    throw std::runtime_error(message);
  }
}

Tx::SavepointMark Tx::beginSavepoint() {
  // Named by nesting depth with a prefix no module uses: the open savepoints' names differ, and
  // the few statements repeat, so they come from the statement cache instead of being parsed
  // for every message an inbox handles.
  // The depth counts only savepoints that are open: it moves after the statement succeeds.
  SavepointMark mark{"bx_savepoint_" + std::to_string(savepointDepth_ + 1), afterCommit_.size(), onRollback_.size()};
  exec("SAVEPOINT " + mark.name);
  ++savepointDepth_;
  return mark;
}

void Tx::releaseSavepoint(const SavepointMark& mark) {
  exec("RELEASE " + mark.name);
  --savepointDepth_;
}

void Tx::rollbackSavepoint(const SavepointMark& mark) {
  // Whatever happens below, the savepoint is closed or the transaction is gone: a new one at this
  // depth reuses the name, and SQLite resolves a repeated name to the innermost.
  --savepointDepth_;
  std::string error;
  if (sqlite_api::sqlite3_get_autocommit(cache_.db()) != 0) {
    error = "the transaction was rolled back by SQLite";
  } else {
    try {
      exec("ROLLBACK TO " + mark.name);
      exec("RELEASE " + mark.name);
    } catch (const std::exception& e) {
      error = errorText(e);
    }
  }
  // The writes made inside the savepoint are gone (or the whole transaction is): undo what was
  // changed in memory meanwhile, and forget what was to be published on commit.
  for (auto i = onRollback_.size(); i > mark.onRollback; --i) onRollback_[i - 1]();
  onRollback_.resize(mark.onRollback);
  afterCommit_.resize(std::min(afterCommit_.size(), mark.afterCommit));
  if (!error.empty()) throw TransactionAborted("cannot roll back to a savepoint: " + error);
}

std::string Tx::publish(std::string_view topic, std::string_view type, const boost::json::object& payload,
                        std::string_view correlationId, std::string_view causationId, int version) {
  std::string messageId = newUuid();
  std::string topicText(topic);
  std::string typeText(type);
  std::string body = boost::json::serialize(payload);
  std::string correlation(correlationId.empty() ? messageId : std::string(correlationId));
  std::string causation(!causationId.empty() ? std::string(causationId)
                                             : (defaultCausation_.empty() ? correlation : defaultCausation_));
  std::string occurredAt = formatRfc3339(std::chrono::system_clock::now());
  exec(
      "INSERT INTO outbox (message_id, topic, type, version, payload, correlation_id, causation_id, occurred_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      messageId, topicText, typeText, version, body, correlation, causation, occurredAt);
  published_ = true;
  return messageId;
}

// SQLite keeps memory statistics by default, behind one process-wide mutex taken on every
// allocation. Seven module threads writing at once (the engine, the inboxes, the outbox) queued on
// it: 8 % of the server's samples in a reservation rush were futex waits under sqlite3Malloc.
// Nothing here reads those statistics. This must run before SQLite's first use in the process;
// when something else initialised it first, the call fails and SQLite keeps its defaults.
void configureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Database::Database(Options options, Logger log) : options_(std::move(options)), log_(std::move(log)) {
  configureSqliteOnce();
  std::filesystem::create_directories(options_.file.parent_path());
  writer_ = open();
  statements_ = std::make_unique<StatementCache>(sqliteHandleOf(*writer_));
  // WAL lets readers run beside the one writer; it is a property of the file, set once.
  *writer_ << "PRAGMA journal_mode=WAL";
  // Checkpoints run beside the writer, not inside its commits (wal_checkpointer.hpp). The hook
  // replaces SQLite's automatic checkpoint on this connection, which is the file's only writer.
  checkpointer_ = std::make_unique<WalCheckpointer>(
      options_.checkpoints, [this] { return open(); }, log_);
  sqlite_api::sqlite3_wal_hook(sqliteHandleOf(*writer_), &Database::onWalCommit, checkpointer_.get());
}

int Database::onWalCommit(void* checkpointer, sqlite_api::sqlite3* /*db*/, const char* /*name*/, int frames) {
  static_cast<WalCheckpointer*>(checkpointer)->committed(frames);
  return SQLITE_OK;
}

Database::~Database() {
  sqlite_api::sqlite3_wal_hook(sqliteHandleOf(*writer_), nullptr, nullptr);
  checkpointer_.reset();
  statements_.reset();
}

WalCheckpointer::Stats Database::checkpointStats() const { return checkpointer_->stats(); }

std::unique_ptr<soci::session> Database::open() const {
  auto session = std::make_unique<soci::session>(soci::sqlite3, "db=" + options_.file.string());
  *session << "PRAGMA busy_timeout=" + std::to_string(options_.busyTimeoutMs);
  *session << "PRAGMA foreign_keys=ON";
  // A committed write survives power loss; throughput comes from batching, not weaker syncs.
  *session << "PRAGMA synchronous=FULL";
  // Savepoint journals and sorts stay in memory. On disk, every per-command savepoint of a group
  // commit wrote its undo pages to a temp file: five times the WAL's own writes, measured.
  *session << "PRAGMA temp_store=MEMORY";
  // A reader that pins the log lets it grow past the restart threshold (a long report, a backup).
  // Once a restart has emptied it, the next write cuts the file back to about that threshold
  // instead of keeping the high-water mark on disk for good.
  std::int64_t pageBytes = 4096;
  *session << "PRAGMA page_size", soci::into(pageBytes);
  *session << "PRAGMA journal_size_limit=" +
                  std::to_string(options_.checkpoints.restartPages * (pageBytes + kWalFrameHeaderBytes));
  return session;
}

void Database::begin(Durability durability) {
  // The pragma cannot change inside a transaction; switch it only when the mode changes.
  if (durability != current_) {
    *writer_ << (durability == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    current_ = durability;
  }
  checkpointer_->yieldToRestart();
  *writer_ << "BEGIN IMMEDIATE";
}

// Most writers' work joined into one transaction. Bounded so one group's latency stays short
// and its undo hooks few; the rest wait for the next group.
constexpr std::size_t kMaxGroup = 64;

void Database::run(Job& job) {
  {
    std::lock_guard queued(queueMutex_);
    queue_.push_back(&job);
  }
  bool published = false;
  {
    std::unique_lock lock(writeMutex_);
    // Whoever holds the write lock runs the queue: usually our job is in the first group, but a
    // long queue may take more than one.
    while (!job.done) published = runGroup() || published;
  }
  if (published && outboxListener_) outboxListener_();
  if (job.error) std::rethrow_exception(job.error);
}

bool Database::runGroup() {
  std::vector<Job*> group;
  {
    std::lock_guard queued(queueMutex_);
    while (!queue_.empty() && group.size() < kMaxGroup) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
  }
  if (group.empty()) return false;
  auto durability = Durability::Relaxed;
  for (const Job* job : group) {
    if (job->durability == Durability::Full) durability = Durability::Full;
  }
  // A job alone runs as it always did (no savepoint): its error rolls back the transaction.
  bool isolate = group.size() > 1;
  Tx tx(*writer_, *statements_);
  try {
    begin(durability);
    for (Job* job : group) {
      tx.setDefaultCausation({});  // each caller's messages name their own cause
      try {
        job->work(tx, isolate);
      } catch (const TransactionAborted&) {
        throw;  // nothing of the group is left
      } catch (...) {
        if (!isolate) throw;
        job->error = std::current_exception();  // rolled back to its savepoint; the others go on
      }
    }
    *writer_ << "COMMIT";
  } catch (...) {
    rollback(tx);
    auto error = std::current_exception();
    for (Job* job : group) {
      if (!job->error) job->error = error;
      job->done = true;
    }
    return false;
  }
  for (auto& callback : tx.afterCommit_) callback();
  for (Job* job : group) job->done = true;
  return tx.published();
}

void Database::rollback(Tx& tx) {
  try {
    *writer_ << "ROLLBACK";
  } catch (const std::exception& e) {
    // SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
    log_.debug("rollback after failed transaction", {{"error", errorText(e)}});
  }
  for (auto it = tx.onRollback_.rbegin(); it != tx.onRollback_.rend(); ++it) (*it)();  // undo in reverse
}

void Database::onOutboxCommit(std::function<void()> listener) { outboxListener_ = std::move(listener); }

void Database::ReaderReturn::operator()(soci::session* session) const {
  std::lock_guard lock(db->readersMutex_);
  db->idleReaders_.emplace_back(session);
  db->readerFree_.notify_one();
}

std::unique_ptr<soci::session, Database::ReaderReturn> Database::acquireReader() {
  std::unique_lock lock(readersMutex_);
  if (idleReaders_.empty() && openReaders_ < options_.readers) {
    ++openReaders_;
    lock.unlock();
    try {
      return {open().release(), ReaderReturn{this}};
    } catch (...) {
      std::lock_guard relock(readersMutex_);
      --openReaders_;
      throw;
    }
  }
  readerFree_.wait(lock, [this] { return !idleReaders_.empty(); });
  auto session = std::move(idleReaders_.back());
  idleReaders_.pop_back();
  return {session.release(), ReaderReturn{this}};
}

void Database::migrate(std::span<const Migration> migrations) {
  write([&](Tx& tx) {
    tx.executeScript(kKernelSchema);
    tx.executeScript(idempotency::kSchema);
  });

  std::vector<std::pair<std::string, std::string>> applied;
  {
    soci::rowset<soci::row> rows = (writer_->prepare << "SELECT name, checksum FROM kernel_migrations");
    for (const auto& row : rows) applied.emplace_back(row.get<std::string>(0), row.get<std::string>(1));
  }
  std::vector<const Migration*> mine;
  for (const auto& m : migrations) {
    if (m.module == options_.module) mine.push_back(&m);
  }
  std::sort(mine.begin(), mine.end(), [](auto* a, auto* b) { return a->name < b->name; });

  for (const auto& entry : applied) {
    const auto& name = entry.first;
    const auto& checksum = entry.second;
    auto known = std::find_if(mine.begin(), mine.end(), [&name](auto* m) { return m->name == name; });
    if (known == mine.end()) {
      throw StartupError("database " + options_.file.string() + " has migration " + options_.module + "/" + name +
                         " that this binary does not know: was it made by a newer version?");
    }
    if (sha256Hex((*known)->sql) != checksum) {
      throw StartupError("migration " + options_.module + "/" + name + " was changed after it was applied to " +
                         options_.file.string() + "; restore the original file and put the change in a new migration");
    }
  }
  for (const auto* m : mine) {
    bool done = std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.first == m->name; });
    if (done) continue;
    write([&](Tx& tx) {
      tx.executeScript(m->sql);
      std::string name(m->name);
      std::string checksum = sha256Hex(m->sql);
      std::string now = formatRfc3339(std::chrono::system_clock::now());
      tx.sql() << "INSERT INTO kernel_migrations (name, checksum, applied_at) VALUES (:n, :c, :a)", soci::use(name),
          soci::use(checksum), soci::use(now);
    });
    log_.info("migration applied", {{"migration", std::string(m->module) + "/" + std::string(m->name)}});
  }
}

std::vector<std::string> Database::appliedMigrations() {
  return read([](soci::session& s) {
    std::vector<std::string> names;
    soci::rowset<std::string> rows = (s.prepare << "SELECT name FROM kernel_migrations ORDER BY name");
    for (const auto& name : rows) names.push_back(name);
    return names;
  });
}

}  // namespace boxoffice
