#include "boxoffice/kernel/cluster_signals.hpp"

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <libpq-fe.h>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "boxoffice/kernel/db.hpp"

namespace boxoffice {

bool validClusterChannel(std::string_view channel) {
  if (channel.empty() || channel.size() > 48) return false;
  if (channel.front() < 'a' || channel.front() > 'z') return false;
  return std::all_of(channel.begin(), channel.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

namespace {

void checkChannel(std::string_view channel) {
  if (!validClusterChannel(channel)) {
    throw std::invalid_argument("cluster signal channel must be 1-48 characters of [a-z0-9_] starting with a letter: " +
                                std::string(channel));
  }
}

void checkPayload(std::string_view payload) {
  if (payload.size() > ClusterSignals::kMaxPayloadBytes) {
    throw std::invalid_argument("cluster signal payload over " + std::to_string(ClusterSignals::kMaxPayloadBytes) +
                                " bytes");
  }
}

bool validInstanceId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

class InProcessClusterSignals final : public ClusterSignals {
 public:
  void publish(Tx& /*tx*/, std::string_view channel, std::string_view payload) override {
    checkChannel(channel);
    checkPayload(payload);
  }
  SubscriptionId subscribe(std::string_view channel, Callback /*callback*/) override {
    checkChannel(channel);
    return ++next_;
  }
  void unsubscribe(SubscriptionId /*id*/) override {}

 private:
  std::atomic<SubscriptionId> next_{0};
};

// The NOTIFY payload: "<instance id>:<payload>" (an instance id has no ':').
constexpr char kSeparator = ':';

class PostgresClusterSignals final : public ClusterSignals {
 public:
  PostgresClusterSignals(PostgresClusterSignalsOptions options, Logger log)
      : options_(std::move(options)), log_(std::move(log)) {
    if (!validInstanceId(options_.instanceId)) {
      throw std::invalid_argument("cluster instance id must be 1-64 characters of [A-Za-z0-9_-]");
    }
    if (::pipe2(wakeFds_, O_NONBLOCK | O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(), "cluster signals: pipe");
    }
    thread_ = std::thread([this] { run(); });
  }

  ~PostgresClusterSignals() override {
    stopping_ = true;
    wake();
    thread_.join();
    if (connection_) PQfinish(connection_);
    ::close(wakeFds_[0]);
    ::close(wakeFds_[1]);
  }

  PostgresClusterSignals(const PostgresClusterSignals&) = delete;
  PostgresClusterSignals& operator=(const PostgresClusterSignals&) = delete;

  void publish(Tx& tx, std::string_view channel, std::string_view payload) override {
    checkChannel(channel);
    checkPayload(payload);
    if (tx.dialect() != Dialect::Postgresql) {
      throw std::logic_error("PostgreSQL cluster signals published in a SQLite transaction");
    }
    std::string message = options_.instanceId;
    message += kSeparator;
    message += payload;
    // pg_notify takes effect at COMMIT, and not at all on ROLLBACK.
    tx.queryRow(
        "SELECT pg_notify(?1, ?2)", [](const ResultRow&) {}, channel, message);
  }

  SubscriptionId subscribe(std::string_view channel, Callback callback) override {
    checkChannel(channel);
    SubscriptionId id = 0;
    {
      std::lock_guard lock(mutex_);
      id = ++next_;
      subscriptions_.emplace(id, Subscription{std::string(channel), std::move(callback), true});
    }
    wake();  // the listener LISTENs on a new channel and sends the resync
    return id;
  }

  void unsubscribe(SubscriptionId id) override {
    {
      std::lock_guard lock(mutex_);
      subscriptions_.erase(id);
    }
    if (std::this_thread::get_id() == thread_.get_id()) return;  // inside a callback: it is this one's caller
    // A dispatch that already picked the callback holds dispatchMutex_ until it returns.
    std::lock_guard wait(dispatchMutex_);
  }

 private:
  struct Subscription {
    std::string channel;
    Callback callback;
    bool needsResync;  // set on subscribe and on every new connection
  };

  void wake() {
    char byte = 1;
    [[maybe_unused]] auto written = ::write(wakeFds_[1], &byte, 1);  // a full pipe is already awake
  }

  void drainWakes() {
    char buffer[64];
    while (::read(wakeFds_[0], buffer, sizeof buffer) > 0) {
    }
  }

  // Waits up to `timeout` for the wake pipe (and the connection's socket, when there is one).
  // Returns whether the socket is readable.
  bool waitFor(std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{wakeFds_[0], POLLIN, 0}, {-1, POLLIN, 0}};
    nfds_t count = 1;
    if (connection_) {
      fds[1].fd = PQsocket(connection_);
      count = 2;
    }
    int ready = ::poll(fds, count, static_cast<int>(timeout.count()));
    if (ready <= 0) return false;
    if (fds[0].revents != 0) drainWakes();
    return count == 2 && fds[1].revents != 0;
  }

  void run() {
    auto delay = options_.reconnectDelay;
    // After a failed connect or a connection lost while listening: wait, longer each time in a row.
    auto backOff = [&] {
      waitFor(delay);
      delay = std::min(delay * 2, options_.maxReconnectDelay);
    };
    while (!stopping_) {
      if (!connection_ && !connect()) {
        if (!down_) log_.warn("cluster signals: cannot connect to PostgreSQL", {{"error", lastError_}});
        down_ = true;
        backOff();
        continue;
      }
      if (!listenOnChannels()) {
        lost();
        backOff();
        continue;
      }
      delay = options_.reconnectDelay;
      if (down_) log_.info("cluster signals: listening again");
      down_ = false;
      sendResyncs();
      deliverNotifications();  // any that arrived while a LISTEN was answered
      bool readable = waitFor(std::chrono::milliseconds(1000));
      if (readable && PQconsumeInput(connection_) == 0) {
        lost();
        continue;
      }
      if (PQstatus(connection_) == CONNECTION_BAD) {
        lost();
        continue;
      }
      deliverNotifications();
    }
  }

  bool connect() {
    // expand_dbname: the connection string may be a URI or key=value pairs; the name shows in
    // pg_stat_activity (an operator can see, and a test can end, the listening session).
    // The connect and keepalive settings come first so the connection string's own win: a
    // connect to an unreachable host must not hang the thread (and shutdown) for minutes, and an
    // idle LISTEN connection whose network died must be noticed in seconds, not hours, since
    // every signal sent meanwhile is lost until the resync.
    const char* keywords[] = {"connect_timeout",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "dbname",
                              "application_name",
                              nullptr};
    const char* values[] = {"5", "10", "5", "3", options_.connection.c_str(), "boxoffice-cluster-signals", nullptr};
    PGconn* connection = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(connection) != CONNECTION_OK) {
      lastError_ = PQerrorMessage(connection);
      PQfinish(connection);
      return false;
    }
    // libpq prints what the server says outside a query (a FATAL before it cuts the
    // connection) to stderr, which is not a log line; the loss itself is logged by lost().
    PQsetNoticeProcessor(
        connection,
        [](void* self, const char* message) {
          static_cast<PostgresClusterSignals*>(self)->log_.debug("cluster signals: server notice",
                                                                 {{"notice", message}});
        },
        this);
    connection_ = connection;
    listening_.clear();
    std::lock_guard lock(mutex_);
    for (auto& [id, subscription] : subscriptions_) subscription.needsResync = true;
    return true;
  }

  void lost() {
    std::string error = connection_ ? PQerrorMessage(connection_) : "";
    log_.warn("cluster signals: lost the listening connection; reconnecting", {{"error", error}});
    if (connection_) PQfinish(connection_);
    connection_ = nullptr;
    listening_.clear();
    down_ = true;  // "listening again" once it is back
  }

  // LISTEN on every subscribed channel not yet listened on, UNLISTEN the ones no longer wanted.
  bool listenOnChannels() {
    std::set<std::string> wanted;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, subscription] : subscriptions_) wanted.insert(subscription.channel);
    }
    for (const auto& channel : wanted) {
      if (listening_.contains(channel)) continue;
      if (!command("LISTEN " + channel)) return false;  // validated: [a-z0-9_] needs no quoting
      listening_.insert(channel);
    }
    for (auto it = listening_.begin(); it != listening_.end();) {
      if (wanted.contains(*it)) {
        ++it;
        continue;
      }
      if (!command("UNLISTEN " + *it)) return false;
      it = listening_.erase(it);
    }
    return true;
  }

  bool command(const std::string& sql) {
    PGresult* result = PQexec(connection_, sql.c_str());
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok;
  }

  void sendResyncs() {
    std::vector<SubscriptionId> due;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, subscription] : subscriptions_) {
        if (subscription.needsResync && listening_.contains(subscription.channel)) {
          subscription.needsResync = false;
          due.push_back(id);
        }
      }
    }
    for (auto id : due) dispatch(id, {}, true);
  }

  void deliverNotifications() {
    while (PGnotify* notify = PQnotifies(connection_)) {
      std::string channel = notify->relname;
      std::string message = notify->extra;
      PQfreemem(notify);
      auto separator = message.find(kSeparator);
      if (separator == std::string::npos) continue;  // not ours (someone NOTIFYed by hand)
      if (std::string_view(message).substr(0, separator) == options_.instanceId) continue;
      std::vector<SubscriptionId> targets;
      {
        std::lock_guard lock(mutex_);
        for (const auto& [id, subscription] : subscriptions_) {
          if (subscription.channel == channel) targets.push_back(id);
        }
      }
      for (auto id : targets) dispatch(id, std::string_view(message).substr(separator + 1), false);
    }
  }

  // Calls one subscription's callback unless it was unsubscribed meanwhile.
  void dispatch(SubscriptionId id, std::string_view payload, bool resync) {
    std::lock_guard running(dispatchMutex_);
    Callback callback;
    std::string channel;
    {
      std::lock_guard lock(mutex_);
      auto it = subscriptions_.find(id);
      if (it == subscriptions_.end()) return;
      callback = it->second.callback;
      channel = it->second.channel;
    }
    try {
      callback(ClusterSignal{.channel = channel, .payload = resync ? std::string_view() : payload, .resync = resync});
    } catch (const std::exception& e) {
      log_.error("cluster signals: a subscriber failed", {{"channel", channel}, {"error", e.what()}});
    }
  }

  PostgresClusterSignalsOptions options_;
  Logger log_;
  std::atomic<bool> stopping_{false};
  int wakeFds_[2] = {-1, -1};
  std::mutex mutex_;  // subscriptions_, next_
  std::map<SubscriptionId, Subscription> subscriptions_;
  SubscriptionId next_ = 0;
  std::mutex dispatchMutex_;  // held while a callback runs (unsubscribe waits for it)
  // The listener thread's own: the connection, what it listens on, the last connect error.
  PGconn* connection_ = nullptr;
  std::set<std::string> listening_;
  std::string lastError_;
  bool down_ = false;   // a connect failed or the connection was lost since the last good LISTEN
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace

std::unique_ptr<ClusterSignals> makeInProcessClusterSignals() { return std::make_unique<InProcessClusterSignals>(); }

std::unique_ptr<ClusterSignals> makePostgresClusterSignals(PostgresClusterSignalsOptions options, Logger log) {
  return std::make_unique<PostgresClusterSignals>(std::move(options), std::move(log));
}

}  // namespace boxoffice
