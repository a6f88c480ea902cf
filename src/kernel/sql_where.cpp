#include "boxoffice/kernel/sql_where.hpp"

namespace boxoffice {

void SqlWhere::add(std::string_view condition) {
  sql_ += sql_.empty() ? " WHERE " : " AND ";
  sql_ += condition;
}

namespace {
// Bound by position, named so that both SOCI backends see a placeholder (PostgreSQL's does not
// take SQLite's bare ?).
std::string placeholder(std::size_t index) { return ":w" + std::to_string(index); }
}  // namespace

void SqlWhere::text(std::string_view condition, std::string value) {
  add(std::string(condition) + " " + placeholder(values_.size()));
  values_.push_back(std::move(value));
}

void SqlWhere::textIn(std::string_view column, const std::vector<std::string>& values) {
  if (values.empty()) {
    add("1 = 0");  // IN () matches nothing
    return;
  }
  std::string in = std::string(column) + " IN (";
  for (std::size_t i = 0; i < values.size(); ++i) in += (i ? ", " : "") + placeholder(values_.size() + i);
  add(in + ")");
  values_.insert(values_.end(), values.begin(), values.end());
}

void SqlWhere::number(std::string_view condition, std::int64_t value) {
  add(std::string(condition) + " " + std::to_string(value));
}

void SqlWhere::forEachRow(soci::session& session, const std::string& statement,
                          const std::function<void(const soci::row&)>& each) const {
  soci::row row;
  soci::statement st(session);
  for (const auto& value : values_) st.exchange(soci::use(value));
  st.exchange(soci::into(row));
  st.alloc();
  st.prepare(statement);
  st.define_and_bind();
  if (st.execute(true)) {
    do {
      each(row);
    } while (st.fetch());
  }
}

std::int64_t SqlWhere::count(soci::session& session, std::string_view table) const {
  long long n = 0;
  soci::statement st(session);
  for (const auto& value : values_) st.exchange(soci::use(value));
  st.exchange(soci::into(n));
  st.alloc();
  st.prepare("SELECT COUNT(*) FROM " + std::string(table) + sql_);
  st.define_and_bind();
  st.execute(true);
  return n;
}

}  // namespace boxoffice
