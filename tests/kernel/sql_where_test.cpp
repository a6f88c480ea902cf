// SqlWhere: optional filters become conditions only when given, values are bound (never SQL
// text), and count / forEachRow see the same rows.
#include "boxoffice/kernel/sql_where.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "kernel_test_support.hpp"

using namespace boxoffice;

namespace {
constexpr Migration kTable{"filters", "0001_create.sql",
                           "CREATE TABLE things (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL);\n"
                           "CREATE INDEX things_owner ON things (owner);\n"
                           "INSERT INTO things (kind, owner) VALUES ('a', 'ann'), ('b', 'ann'), ('a', 'bob'), "
                           "('c', 'x'' OR ''1''=''1');"};

std::vector<std::int64_t> ids(Database& db, const SqlWhere& where) {
  return db.read([&](soci::session& s) {
    std::vector<std::int64_t> out;
    where.forEachRow(s, "SELECT id FROM things" + where.sql() + " ORDER BY id",
                     [&](const soci::row& row) { out.push_back(rows::integer(row, 0)); });
    return out;
  });
}
}  // namespace

TEST_CASE("sql where: no filter is no clause, each filter one bound condition") {
  test::TempDir dir;
  test::CapturedLog log;
  Database db(Database::Options{dir / "filters.db", "filters"}, log.logger());
  std::vector<Migration> migrations{kTable};
  db.migrate(migrations);

  SqlWhere all;
  CHECK(all.sql().empty());
  CHECK(ids(db, all) == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(db.read([&](soci::session& s) { return all.count(s, "things"); }) == 4);

  SqlWhere ann;
  ann.text("owner =", "ann");
  ann.text("kind =", "b");
  CHECK(ann.sql() == " WHERE owner = :w0 AND kind = :w1");
  CHECK(ids(db, ann) == std::vector<std::int64_t>{2});

  SqlWhere hostile;  // a value is data: it matches only the row that holds exactly that text
  hostile.text("owner =", "x' OR '1'='1");
  CHECK(ids(db, hostile) == std::vector<std::int64_t>{4});

  SqlWhere in;
  in.textIn("kind", {"a", "c"});
  in.number("id >", 1);
  CHECK(ids(db, in) == std::vector<std::int64_t>{3, 4});
  CHECK(db.read([&](soci::session& s) { return in.count(s, "things"); }) == 2);

  SqlWhere none;
  none.textIn("kind", {});
  CHECK(ids(db, none).empty());

  // The clause it builds lets SQLite use the owner index rather than scan the table.
  SqlWhere owner;
  owner.text("owner =", "ann");
  std::string plan = db.read([&](soci::session& s) {
    std::string details;
    owner.forEachRow(s, "EXPLAIN QUERY PLAN SELECT id FROM things" + owner.sql(),
                     [&](const soci::row& row) { details += rows::text(row, 3) + "\n"; });
    return details;
  });
  CHECK(plan.find("things_owner") != std::string::npos);
}
