#pragma once
// A PostgreSQL database of its own for a kernel test, in the cluster of BX_PG_ADMIN_URL (the
// superuser URL scripts/postgres-cluster.sh prints), dropped at the end. Tests that need one
// skip with a visible message when BX_PG_ADMIN_URL is not set.
#include <cstdlib>
#include <libpq-fe.h>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace boxoffice::test {

class ScratchDatabase {
 public:
  static std::optional<std::string> adminUrl() {
    const char* admin = std::getenv("BX_PG_ADMIN_URL");
    if (admin == nullptr || *admin == '\0') return std::nullopt;
    return std::string(admin);
  }
  explicit ScratchDatabase(std::string admin) : admin_(std::move(admin)) {
    name_ = "bxsignals" + std::to_string(std::random_device{}() % 1000000000U);
    run(admin_, "CREATE DATABASE " + name_);
  }
  ~ScratchDatabase() {
    try {
      run(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  std::string url() const { return admin_ + " dbname=" + name_; }
  // Runs one statement as the superuser; returns the number of rows it returned.
  static int run(const std::string& connection, const std::string& sql) {
    PGconn* conn = PQconnectdb(connection.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string error = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("cannot connect: " + error);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(result);
    int rows = status == PGRES_TUPLES_OK ? PQntuples(result) : 0;
    std::string error = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + error);
    return rows;
  }

 private:
  std::string admin_;
  std::string name_;
};

}  // namespace boxoffice::test
