// The write-ahead log is checkpointed beside the writer (wal_checkpointer.hpp): commits never
// copy pages themselves, restarts keep the log bounded, and nothing
// committed is lost to a checkpoint.
#include "boxoffice/kernel/wal_checkpointer.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <string>

#include "boxoffice/kernel/db.hpp"
#include "kernel_test_support.hpp"
#include "support/eventually.hpp"

using namespace boxoffice;

namespace {
constexpr Migration kRows{"log", "0001_rows.sql", "CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"};

Database::Options smallLog(const test::TempDir& dir) {
  Database::Options options;
  options.file = dir / "log.db";
  options.module = "log";
  options.checkpoints = {.checkpointPages = 16, .restartPages = 64, .restartWaitMs = 20};
  return options;
}

// Each commit writes a few pages (a 4 KB body overflows into its own page).
void writeRows(Database& db, int commits) {
  std::string body(4000, 'x');
  for (int i = 0; i < commits; ++i) {
    db.write([&](Tx& tx) {
      for (int r = 0; r < 4; ++r) tx.exec("INSERT INTO rows (body) VALUES (?)", body);
    });
  }
}

int rowCount(Database& db) {
  return db.read([](soci::session& s) {
    int n = 0;
    s << "SELECT COUNT(*) FROM rows", soci::into(n);
    return n;
  });
}

std::uintmax_t walBytes(const Database& db) {
  auto wal = db.file().string() + "-wal";
  return std::filesystem::exists(wal) ? std::filesystem::file_size(wal) : 0;
}
}  // namespace

TEST_CASE("wal checkpointer: a passive checkpoint runs once the log passes its threshold, not before") {
  test::TempDir dir;
  test::CapturedLog log;
  auto options = smallLog(dir);
  options.checkpoints.checkpointPages = 400;  // above what the migrations write
  Database db(options, log.logger());
  db.migrate(std::vector<Migration>{kRows});
  writeRows(db, 1);
  CHECK(db.checkpointStats().passive == 0);  // a few frames: nothing to do
  CHECK(db.checkpointStats().longestLog < 400);
  writeRows(db, 100);
  REQUIRE(test_support::eventually([&] { return db.checkpointStats().passive > 0; }));
}

TEST_CASE("wal checkpointer: restarts keep the log file bounded, and every row stays") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(smallLog(dir), log.logger());
  db.migrate(std::vector<Migration>{kRows});
  std::uintmax_t largest = 0;
  for (int round = 0; round < 60; ++round) {
    auto before = db.checkpointStats().passive;
    writeRows(db, 10);  // 40+ frames: at least one commit of the round wakes the checkpointer
    // Waiting for that pass keeps the test independent of how the threads are scheduled; the
    // bench shows the bound under a writer that never waits (docs/performance.md).
    REQUIRE(test_support::eventually([&] { return db.checkpointStats().passive > before; }));
    largest = std::max(largest, walBytes(db));
  }
  auto stats = db.checkpointStats();
  CHECK(stats.restarts > 0);
  CHECK(stats.passive >= stats.restarts);
  // 600 commits of 4+ pages each wrote ~2,400 frames (~10 MB); without restarts the log would
  // hold them all.
  CHECK(largest < 1024 * 4096);
  CHECK(rowCount(db) == 2400);
}

TEST_CASE("wal checkpointer: a log grown behind a long reader shrinks back once the reader is gone") {
  test::TempDir dir;
  test::CapturedLog log;
  auto options = smallLog(dir);
  Database db(options, log.logger());
  db.migrate(std::vector<Migration>{kRows});
  const std::uintmax_t limit = 64 * (4096 + 24);  // restartPages frames
  {
    // A reader in the middle of a long read: no checkpoint may pass its snapshot.
    soci::session reader(soci::sqlite3, "db=" + db.file().string());
    reader << "BEGIN";
    int seen = 0;
    reader << "SELECT COUNT(*) FROM rows", soci::into(seen);
    writeRows(db, 100);  // ~400 frames, all kept behind the reader
    CHECK(walBytes(db) > 4 * limit);
    reader << "COMMIT";
  }
  bool shrunk = false;
  for (int round = 0; round < 100 && !shrunk; ++round) {
    auto before = db.checkpointStats().restarts;
    writeRows(db, 20);
    // Cut back by the first write after a restart: at most the limit plus that round's commits.
    shrunk = test_support::eventually([&] { return db.checkpointStats().restarts > before; }) &&
             (writeRows(db, 1), walBytes(db) <= 2 * limit);
  }
  CHECK(shrunk);
  CHECK(rowCount(db) >= 400 + 21);
}

TEST_CASE("wal checkpointer: a database reopened after checkpoints holds everything committed") {
  test::TempDir dir;
  test::CapturedLog log;
  {
    Database db(smallLog(dir), log.logger());
    db.migrate(std::vector<Migration>{kRows});
    writeRows(db, 100);
    REQUIRE(test_support::eventually([&] { return db.checkpointStats().passive > 0; }));
  }
  Database again(smallLog(dir), log.logger());
  CHECK(rowCount(again) == 400);
}

TEST_CASE("wal checkpointer: stop is idempotent and later commits are ignored") {
  test::TempDir dir;
  test::CapturedLog log;
  WalCheckpointer checkpointer(
      {}, [] { return std::unique_ptr<soci::session>(); }, log.logger());
  checkpointer.stop();
  checkpointer.committed(1'000'000);
  checkpointer.stop();
  CHECK(checkpointer.stats().passive == 0);
  CHECK(checkpointer.stats().longestLog == 1'000'000);
}
