// Tx::exec and Tx::queryRow on PostgreSQL: libpq directly, with every statement prepared once
// per connection and cached by its SQL text (no parse or plan per call on the hot path).
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <libpq-fe.h>
#include <map>
#include <soci/postgresql/soci-postgresql.h>
#include <string>
#include <vector>

#include "sql_dialect.hpp"
#include "statement_cache.hpp"

namespace boxoffice {

namespace {

PGconn* connectionOf(soci::session& session) {
  // Every PostgreSQL session of the kernel is opened by Database::open with this backend.
  auto* backend = static_cast<soci::postgresql_session_backend*>(  // NOLINT(*-static-cast-downcast)
      session.get_backend());
  return backend->conn_;
}

// Statements that the extended protocol should not prepare (SAVEPOINT, RELEASE, SET, ...): run
// as simple queries, which they are cheap as.
bool isUtility(std::string_view sql) {
  auto start = sql.find_first_not_of(" \t\r\n(");
  if (start == std::string_view::npos) return true;
  auto word = sql.substr(start, 6);
  auto lower = [](std::string_view text) {
    std::string result(text);
    for (auto& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
  };
  auto head = lower(word);
  return !(head.starts_with("select") || head.starts_with("insert") || head.starts_with("update") ||
           head.starts_with("delete") || head.starts_with("with") || head.starts_with("values"));
}

class PostgresRow final : public ResultRow {
 public:
  explicit PostgresRow(const PGresult* result) : result_(result) {}
  bool isNull(int column) const override { return PQgetisnull(result_, 0, column) != 0; }
  std::int64_t integer(int column) const override {
    if (isNull(column)) return 0;
    std::string_view value(PQgetvalue(result_, 0, column), static_cast<std::size_t>(PQgetlength(result_, 0, column)));
    if (value == "t") return 1;  // boolean
    if (value == "f") return 0;
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error == std::errc() && end == value.data() + value.size()) return number;
    return std::llround(std::strtod(std::string(value).c_str(), nullptr));  // numeric, double
  }
  std::string text(int column) const override {
    if (isNull(column)) return {};
    return {PQgetvalue(result_, 0, column), static_cast<std::size_t>(PQgetlength(result_, 0, column))};
  }

 private:
  const PGresult* result_;
};

class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { PQclear(result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  PGresult* get() const { return result_; }

 private:
  PGresult* result_;
};

class PostgresStatements final : public StatementCache {
 public:
  explicit PostgresStatements(PGconn* connection) : connection_(connection) {}

  Dialect dialect() const override { return Dialect::Postgresql; }

  int exec(std::string_view sql, std::span<const SqlValue> values) override {
    Result result(run(sql, values));
    const char* changed = PQcmdTuples(result.get());
    return changed && *changed ? std::atoi(changed) : 0;
  }

  bool query(std::string_view sql, std::span<const SqlValue> values,
             const std::function<void(const ResultRow&)>& onRow) override {
    Result result(run(sql, values));
    if (PQntuples(result.get()) == 0) return false;
    onRow(PostgresRow(result.get()));
    return true;
  }

  void script(std::string_view sql) override {
    PGresult* result = PQexec(connection_, std::string(sql).c_str());
    if (PQresultStatus(result) == PGRES_EMPTY_QUERY) {  // only comments: a migration with nothing to do
      PQclear(result);
      return;
    }
    check(result);
    PQclear(result);
  }

  bool transactionGone() const override {
    auto status = PQtransactionStatus(connection_);
    return status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN;
  }

 private:
  PGresult* run(std::string_view sql, std::span<const SqlValue> values) {
    if (values.empty() && isUtility(sql)) {
      PGresult* result = PQexec(connection_, std::string(sql).c_str());
      check(result);
      return result;
    }
    const std::string& name = prepared(sql, values);
    std::vector<std::string> texts(values.size());
    std::vector<const char*> pointers(values.size(), nullptr);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& value = values[i];
      if (std::holds_alternative<std::nullptr_t>(value)) continue;
      if (const auto* number = std::get_if<std::int64_t>(&value)) {
        texts[i] = std::to_string(*number);
      } else if (const auto* real = std::get_if<double>(&value)) {
        char buffer[32];
        auto end = std::to_chars(buffer, buffer + sizeof buffer, *real).ptr;
        texts[i].assign(buffer, end);
      } else {
        texts[i] = std::string(std::get<std::string_view>(value));
      }
      pointers[i] = texts[i].c_str();
    }
    PGresult* result = PQexecPrepared(connection_, name.c_str(), static_cast<int>(values.size()), pointers.data(),
                                      nullptr, nullptr, 0);
    check(result);
    return result;
  }

  // Prepared once per connection. Integers and doubles are declared int8 and float8: PostgreSQL
  // would otherwise take a parameter in a SELECT list (INSERT ... SELECT ?1) for text. Text and
  // NULL are left for PostgreSQL to infer from where they are used.
  const std::string& prepared(std::string_view sql, std::span<const SqlValue> values) {
    auto it = names_.find(sql);
    if (it != names_.end()) return it->second;
    std::string name = "bx_" + std::to_string(names_.size() + 1);
    constexpr Oid kInt8 = 20;
    constexpr Oid kFloat8 = 701;
    std::vector<Oid> types(values.size(), 0);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::holds_alternative<std::int64_t>(values[i])) types[i] = kInt8;
      if (std::holds_alternative<double>(values[i])) types[i] = kFloat8;
    }
    Result result(PQprepare(connection_, name.c_str(), dollarPlaceholders(sql).c_str(), static_cast<int>(types.size()),
                            types.data()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail("cannot prepare statement: ");
    return names_.emplace(std::string(sql), std::move(name)).first->second;
  }

  // Throws (and frees the result) unless it succeeded.
  void check(PGresult* result) const {
    auto status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(connection_);
    PQclear(result);
    if (PQstatus(connection_) == CONNECTION_BAD) throw StorageUnavailable("lost the database connection: " + message);
    throw std::runtime_error("statement failed: " + message);
  }
  [[noreturn]] void fail(const std::string& what) const {
    std::string message = PQerrorMessage(connection_);
    if (PQstatus(connection_) == CONNECTION_BAD) throw StorageUnavailable("lost the database connection: " + message);
    throw std::runtime_error(what + message);
  }

  PGconn* connection_;
  std::map<std::string, std::string, std::less<>> names_;
};

}  // namespace

std::unique_ptr<StatementCache> makePostgresStatements(soci::session& session) {
  return std::make_unique<PostgresStatements>(connectionOf(session));
}

bool postgresConnectionLost(soci::session& session) { return PQstatus(connectionOf(session)) == CONNECTION_BAD; }

bool postgresTransactionFailed(soci::session& session) {
  return PQtransactionStatus(connectionOf(session)) == PQTRANS_INERROR;
}

}  // namespace boxoffice
