#pragma once
// A WHERE clause built from optional filters (list routes: ?status&type&userId...). Every
// condition is a fixed string of ours and every value a bound parameter (or an integer we
// computed, inlined), so no input reaches the SQL text; an absent filter adds no condition, so
// SQLite can use an index for the ones given (a `(:x = '' OR col = :x)` clause would scan).
//
//   SqlWhere where;
//   if (filter.type) where.text("type =", *filter.type);
//   auto n = where.count(sql, "audit_records");
//   where.forEachRow(sql, "SELECT a, b FROM t" + where.sql() + " ORDER BY a LIMIT 20", [&](const soci::row& r) {...});
#include <cstdint>
#include <functional>
#include <soci/soci.h>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice {

class SqlWhere {
 public:
  void add(std::string_view condition);                                          // a condition with no value
  void text(std::string_view condition, std::string value);                      // "type =" -> "type = ?"
  void textIn(std::string_view column, const std::vector<std::string>& values);  // column IN (?, ?...)
  void number(std::string_view condition, std::int64_t value);                   // "sequence >" -> "sequence > 42"

  // " WHERE ... AND ..." or "" (append it after FROM).
  const std::string& sql() const { return sql_; }

  // Runs `statement` (which holds this clause's parameters, in order, and no others) and calls
  // `each` for every row.
  void forEachRow(soci::session& session, const std::string& statement,
                  const std::function<void(const soci::row&)>& each) const;
  // SELECT COUNT(*) FROM `table` with this clause.
  std::int64_t count(soci::session& session, std::string_view table) const;

 private:
  std::string sql_;
  std::vector<std::string> values_;
};

}  // namespace boxoffice
