// Database::Options::onWriterSession: runs on every new writer session before its first write
// (what a single-writer fence, an advisory lock held by the session, is built on), and a refusal
// keeps the session from writing. PostgreSQL cases skip without BX_PG_ADMIN_URL.
#include <atomic>
#include <doctest/doctest.h>
#include <stdexcept>
#include <string>

#include "boxoffice/kernel/db.hpp"
#include "kernel_test_support.hpp"
#include "postgres_scratch.hpp"

using namespace boxoffice;

TEST_CASE("db: onWriterSession runs once on SQLite, on the writer, before the first write") {
  test::TempDir dir;
  test::CapturedLog log;
  int calls = 0;
  Database::Options options;
  options.file = dir / "shop.db";
  options.module = "shop";
  options.onWriterSession = [&](soci::session& session) {
    ++calls;
    // The writer's own connection: a temp table is visible to that session only.
    session << "CREATE TEMP TABLE writer_mark (n INTEGER)";
  };
  Database db(options, log.logger());
  CHECK(calls == 1);
  db.write([](Tx& tx) { tx.exec("INSERT INTO writer_mark (n) VALUES (1)"); });
  db.write([](Tx& tx) { tx.exec("INSERT INTO writer_mark (n) VALUES (2)"); });
  CHECK(calls == 1);
}

TEST_CASE("postgresql: db: onWriterSession runs again on every new writer session, and a refusal blocks writes") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  std::atomic<int> calls = 0;
  std::atomic<bool> refuse = false;
  Database::Options options;
  options.module = "shop";
  options.postgres = Database::Postgres{.connection = database.url(), .schema = "public"};
  options.onWriterSession = [&](soci::session& session) {
    int n = ++calls;
    if (refuse) throw StorageUnavailable("not the owner any more");
    // Marks the session: a write records which hook call prepared the session it ran on.
    session << "SELECT set_config('application_name', 'bx-writer-" + std::to_string(n) + "', false)";
  };
  Database db(options, log.logger());
  CHECK(calls == 1);
  db.write([](Tx& tx) { tx.exec("CREATE TABLE marks (session TEXT NOT NULL)"); });
  auto markWrite = [&] {
    db.write([](Tx& tx) { tx.exec("INSERT INTO marks (session) VALUES (current_setting('application_name'))"); });
  };
  auto marks = [&] {
    return db.read([](soci::session& s) {
      std::string all;
      s << "SELECT COALESCE(string_agg(session, ',' ORDER BY session), '') FROM marks", soci::into(all);
      return all;
    });
  };
  // Ends the writer's session, as a PostgreSQL restart or a network cut would.
  auto cutWriter = [&] {
    return test::ScratchDatabase::run(database.url(),
                                      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                      "current_database() AND application_name LIKE 'bx-writer-%'");
  };
  markWrite();
  CHECK(calls == 1);

  REQUIRE(cutWriter() == 1);
  markWrite();  // the next write opens a new session, which the hook sees before the write
  CHECK(calls == 2);
  CHECK(marks() == "bx-writer-1,bx-writer-2");

  REQUIRE(cutWriter() == 1);
  refuse = true;
  CHECK_THROWS_WITH_AS(markWrite(), doctest::Contains("not the owner any more"), StorageUnavailable);
  CHECK_THROWS_AS(markWrite(), StorageUnavailable);  // asked again on the next write, refused again
  CHECK(calls == 4);
  CHECK(marks() == "bx-writer-1,bx-writer-2");  // nothing written by a refused session

  refuse = false;
  markWrite();
  CHECK(calls == 5);
  CHECK(marks() == "bx-writer-1,bx-writer-2,bx-writer-5");
}
