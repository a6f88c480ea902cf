#include "boxoffice/kernel/cluster_lock.hpp"

#include <libpq-fe.h>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace boxoffice {

namespace {

class LocalClusterLocks final : public ClusterLocks {
 public:
  bool tryHold(std::string_view /*name*/) override { return true; }
  void release(std::string_view /*name*/) override {}
};

// The key of a job's lock: in a namespace of its own, so it cannot meet another advisory lock of
// boxoffice (the inventory writer's, `boxoffice migrate`'s) by accident.
constexpr const char* kTryLock = "SELECT pg_try_advisory_lock(hashtext('boxoffice.job.' || $1::text))";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(hashtext('boxoffice.job.' || $1::text))";

class PostgresClusterLocks final : public ClusterLocks {
 public:
  PostgresClusterLocks(PostgresClusterLocksOptions options, const Clock& clock, Logger log)
      : options_(std::move(options)), clock_(clock), log_(std::move(log)) {}
  ~PostgresClusterLocks() override {
    if (connection_) PQfinish(connection_);  // PostgreSQL releases every lock of the session
  }
  PostgresClusterLocks(const PostgresClusterLocks&) = delete;
  PostgresClusterLocks& operator=(const PostgresClusterLocks&) = delete;

  bool tryHold(std::string_view name) override {
    std::lock_guard lock(mutex_);
    std::string key(name);
    auto held = held_.find(key);
    if (held != held_.end()) {
      auto now = clock_.steadyNow();
      if (now - held->second < options_.recheckEvery) return true;
      // The locks live as long as the session: one round trip proves the session is still there.
      if (query("SELECT 1", nullptr)) {
        held->second = now;
        return true;
      }
      lost();  // every lock went with the session; the call below connects again and asks anew
    }
    if (!connection_ && !connect()) return false;
    auto answer = query(kTryLock, key.c_str());
    if (!answer) {
      lost();
      return false;
    }
    if (*answer != "t") return false;
    held_[key] = clock_.steadyNow();
    log_.info("cluster lock taken: this instance runs the job", {{"lock", key}});
    return true;
  }

  void release(std::string_view name) override {
    std::lock_guard lock(mutex_);
    std::string key(name);
    if (held_.erase(key) == 0 || !connection_) return;
    if (!query(kUnlock, key.c_str())) lost();
  }

 private:
  bool connect() {
    // Connect and keepalive settings first, so the connection string's own win: an unreachable
    // host must not hang the caller (a worker thread) for minutes, and a dead network is noticed.
    const char* keywords[] = {"connect_timeout",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "dbname",
                              "application_name",
                              nullptr};
    const char* values[] = {"5",    "10", "5", "3", options_.connection.c_str(), options_.applicationName.c_str(),
                            nullptr};
    PGconn* connection = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(connection) != CONNECTION_OK) {
      std::string error = PQerrorMessage(connection);
      PQfinish(connection);
      if (!unreachable_) log_.warn("cluster locks: cannot connect; no lock is held until it can", {{"error", error}});
      unreachable_ = true;
      return false;
    }
    PQsetNoticeProcessor(
        connection,
        [](void* self, const char* message) {
          static_cast<PostgresClusterLocks*>(self)->log_.debug("cluster locks: server notice", {{"notice", message}});
        },
        this);
    if (unreachable_) log_.info("cluster locks: connected again");
    unreachable_ = false;
    connection_ = connection;
    return true;
  }

  // The first column of the first row ("" without rows), or nullopt if the query failed.
  std::optional<std::string> query(const char* sql, const char* parameter) {
    if (!connection_) return std::nullopt;
    const char* values[] = {parameter};
    PGresult* result =
        PQexecParams(connection_, sql, parameter ? 1 : 0, nullptr, parameter ? values : nullptr, nullptr, nullptr, 0);
    std::optional<std::string> answer;
    if (PQresultStatus(result) == PGRES_TUPLES_OK) {
      answer = PQntuples(result) > 0 && PQnfields(result) > 0 ? std::string(PQgetvalue(result, 0, 0)) : "";
    } else {
      lastError_ = PQresultErrorMessage(result);
    }
    PQclear(result);
    return answer;
  }

  void lost() {
    std::string error = lastError_.empty() && connection_ ? PQerrorMessage(connection_) : lastError_;
    lastError_.clear();
    if (!held_.empty()) {
      log_.warn("cluster locks: lost the session, and with it every lock; another instance may take them",
                {{"locks", static_cast<std::int64_t>(held_.size())}, {"error", error}});
    }
    held_.clear();
    if (connection_) PQfinish(connection_);
    connection_ = nullptr;
  }

  PostgresClusterLocksOptions options_;
  const Clock& clock_;
  Logger log_;
  std::mutex mutex_;
  PGconn* connection_ = nullptr;
  std::map<std::string, SteadyTimePoint, std::less<>> held_;  // name -> last proof the session lives
  std::string lastError_;
  bool unreachable_ = false;
};

}  // namespace

std::unique_ptr<ClusterLocks> makeLocalClusterLocks() { return std::make_unique<LocalClusterLocks>(); }

std::unique_ptr<ClusterLocks> makePostgresClusterLocks(PostgresClusterLocksOptions options, const Clock& clock,
                                                       Logger log) {
  return std::make_unique<PostgresClusterLocks>(std::move(options), clock, std::move(log));
}

}  // namespace boxoffice
