#include "boxoffice/kernel/in_process_bus.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

std::chrono::milliseconds RetryPolicy::delayAfter(int attempt) const {
  auto delay = base;
  for (int i = 1; i < attempt && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

namespace {
std::int64_t nowMs() { return toUnixMillis(std::chrono::system_clock::now()); }
}  // namespace

// One subscriber's queue: the inbox table in the subscriber's database, drained by one thread,
// so a subscriber sees its messages one at a time in arrival order (retries aside).
class InProcessBus::Worker {
 public:
  Worker(std::string subscriber, Database& store, const RetryPolicy& retry, Metrics& metrics, Logger log)
      : subscriber_(std::move(subscriber)), store_(store), retry_(retry), metrics_(metrics), log_(std::move(log)) {}

  ~Worker() { stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void addHandler(std::string topic, MessageHandler handler) {
    handlers_.emplace_back(std::move(topic), std::move(handler));
  }
  bool handles(std::string_view topic) const {
    return std::any_of(handlers_.begin(), handlers_.end(), [&](const auto& h) { return h.first == topic; });
  }
  const std::string& subscriber() const { return subscriber_; }
  Database& store() { return store_; }

  void enqueue(const Envelope& message) {
    std::string envelope = boost::json::serialize(message.toJson());
    std::string now = formatRfc3339(std::chrono::system_clock::now());
    std::int64_t due = nowMs();
    store_.write([&](Tx& tx) {
      // The primary key makes a second delivery of the same message a no-op.
      tx.exec(
          "INSERT OR IGNORE INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, "
          "next_attempt_ms, received_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
          subscriber_, message.messageId, message.topic, message.type, envelope, due, now);
    });
    wake();
  }

  void wake() {
    std::lock_guard lock(mutex_);
    dirty_ = true;
    cv_.notify_one();
  }

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

  std::vector<DeadLetter> deadLetters() {
    return store_.read([&](soci::session& s) {
      std::vector<DeadLetter> out;
      soci::rowset<soci::row> found =
          (s.prepare << "SELECT id, subscriber, message_id, topic, type, attempts, error, dead_at, replayed_at "
                        "FROM dead_letters WHERE subscriber = :s",
           soci::use(subscriber_));
      for (const auto& row : found) {
        DeadLetter d;
        d.id = row.get<std::string>(0);
        d.subscriber = row.get<std::string>(1);
        d.messageId = row.get<std::string>(2);
        d.topic = row.get<std::string>(3);
        d.type = row.get<std::string>(4);
        d.attempts = static_cast<int>(rows::integer(row, 5));
        d.error = row.get<std::string>(6);
        d.deadAt = row.get<std::string>(7);
        if (row.get_indicator(8) == soci::i_ok) d.replayedAt = row.get<std::string>(8);
        out.push_back(std::move(d));
      }
      return out;
    });
  }

  // nullopt: not ours; false: already replayed; true: queued again.
  std::optional<bool> replay(const std::string& id) {
    auto result = store_.write([&](Tx& tx) -> std::optional<bool> {
      std::string messageId;
      soci::indicator replayed = soci::i_null;
      std::string replayedAt;
      tx.sql() << "SELECT message_id, replayed_at FROM dead_letters WHERE id = :id AND subscriber = :s",
          soci::into(messageId), soci::into(replayedAt, replayed), soci::use(id), soci::use(subscriber_);
      if (!tx.sql().got_data()) return std::nullopt;
      if (replayed == soci::i_ok) return false;
      std::string now = formatRfc3339(std::chrono::system_clock::now());
      std::int64_t due = nowMs();
      tx.sql() << "UPDATE dead_letters SET replayed_at = :now WHERE id = :id", soci::use(now), soci::use(id);
      tx.sql() << "UPDATE inbox SET status = 'pending', attempts = 0, next_attempt_ms = :due, last_error = NULL "
                  "WHERE subscriber = :s AND message_id = :m",
          soci::use(due), soci::use(subscriber_), soci::use(messageId);
      return true;
    });
    if (result && *result) wake();
    return result;
  }

 private:
  struct Due {
    std::string messageId;
    std::string envelope;
    int attempts;
  };

  std::vector<Due> fetchDue() {
    return store_.read([&](soci::session& s) {
      std::vector<Due> due;
      std::int64_t now = nowMs();
      soci::rowset<soci::row> found =
          (s.prepare << "SELECT message_id, envelope, attempts FROM inbox WHERE subscriber = :s AND status = "
                        "'pending' AND next_attempt_ms <= :now ORDER BY rowid LIMIT 64",
           soci::use(subscriber_), soci::use(now));
      for (const auto& row : found) {
        due.push_back({row.get<std::string>(0), row.get<std::string>(1), static_cast<int>(rows::integer(row, 2))});
      }
      return due;
    });
  }

  std::optional<std::int64_t> nextDueMs() {
    return store_.read([&](soci::session& s) -> std::optional<std::int64_t> {
      std::int64_t next = 0;
      soci::indicator ind = soci::i_null;
      s << "SELECT MIN(next_attempt_ms) FROM inbox WHERE subscriber = :s AND status = 'pending'", soci::into(next, ind),
          soci::use(subscriber_);
      if (ind != soci::i_ok) return std::nullopt;
      return next;
    });
  }

  void handle(const Due& item) {
    Envelope message = Envelope::fromJson(boost::json::parse(item.envelope).as_object());
    try {
      store_.write([&](Tx& tx) {
        // Re-check inside the transaction: a replay or a duplicate worker may have raced us.
        std::string status;
        tx.sql() << "SELECT status FROM inbox WHERE subscriber = :s AND message_id = :m", soci::into(status),
            soci::use(subscriber_), soci::use(item.messageId);
        if (status != "pending") return;
        tx.setDefaultCausation(message.messageId);
        for (auto& [topic, handler] : handlers_) {
          if (topic == message.topic) handler(message, tx);
        }
        std::string now = formatRfc3339(std::chrono::system_clock::now());
        tx.exec(
            "UPDATE inbox SET status = 'done', attempts = attempts + 1, processed_at = ? "
            "WHERE subscriber = ? AND message_id = ?",
            now, subscriber_, item.messageId);
      });
      metrics_.increment("bus_messages_delivered_total", {{"subscriber", subscriber_}, {"type", message.type}});
    } catch (const std::exception& e) {
      fail(item, message, e.what());
    }
  }

  void fail(const Due& item, const Envelope& message, const std::string& error) {
    int attempts = item.attempts + 1;
    bool dead = attempts >= retry_.maxAttempts;
    log_.warn(dead ? "message dead-lettered" : "message handler failed; will retry",
              {{"subscriber", subscriber_},
               {"messageId", message.messageId},
               {"type", message.type},
               {"attempt", attempts},
               {"error", error},
               {"requestId", message.correlationId}});
    store_.write([&](Tx& tx) {
      if (dead) {
        std::string id = newUuid();
        std::string now = formatRfc3339(std::chrono::system_clock::now());
        tx.sql() << "UPDATE inbox SET status = 'dead', attempts = :a, last_error = :e WHERE subscriber = :s AND "
                    "message_id = :m",
            soci::use(attempts), soci::use(error), soci::use(subscriber_), soci::use(item.messageId);
        tx.sql() << "INSERT INTO dead_letters (id, subscriber, message_id, topic, type, attempts, error, dead_at) "
                    "VALUES (:id, :s, :m, :t, :ty, :a, :e, :now)",
            soci::use(id), soci::use(subscriber_), soci::use(item.messageId), soci::use(message.topic),
            soci::use(message.type), soci::use(attempts), soci::use(error), soci::use(now);
      } else {
        std::int64_t due = nowMs() + retry_.delayAfter(attempts).count();
        tx.sql() << "UPDATE inbox SET attempts = :a, last_error = :e, next_attempt_ms = :due WHERE subscriber = :s "
                    "AND message_id = :m",
            soci::use(attempts), soci::use(error), soci::use(due), soci::use(subscriber_), soci::use(item.messageId);
      }
    });
    metrics_.increment(dead ? "bus_messages_dead_lettered_total" : "bus_messages_retried_total",
                       {{"subscriber", subscriber_}, {"type", message.type}});
  }

  void run() {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        dirty_ = false;
      }
      bool stopping = false;
      try {
        for (auto batch = fetchDue(); !batch.empty(); batch = fetchDue()) {
          for (const auto& item : batch) handle(item);
        }
        auto next = nextDueMs();
        std::unique_lock lock(mutex_);
        stopping = stopping_;
        if (stopping) return;
        auto wait = std::chrono::milliseconds(1000);
        if (next) wait = std::clamp(std::chrono::milliseconds(*next - nowMs()), std::chrono::milliseconds(1), wait);
        cv_.wait_for(lock, wait, [this] { return dirty_ || stopping_; });
      } catch (const std::exception& e) {
        log_.error("inbox worker error", {{"subscriber", subscriber_}, {"error", e.what()}});
        std::unique_lock lock(mutex_);
        if (stopping_) return;
        cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
      }
    }
  }

  std::string subscriber_;
  Database& store_;
  const RetryPolicy& retry_;
  Metrics& metrics_;
  Logger log_;
  std::vector<std::pair<std::string, MessageHandler>> handlers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool dirty_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

InProcessBus::InProcessBus(RetryPolicy retry, Metrics& metrics, Logger log)
    : retry_(retry), metrics_(metrics), log_(std::move(log)) {
  metrics_.describe("bus_messages_published_total", "counter", "Messages handed from an outbox to the bus.");
  metrics_.describe("bus_messages_delivered_total", "counter", "Messages handled successfully by a subscriber.");
  metrics_.describe("bus_messages_retried_total", "counter", "Failed deliveries scheduled for another attempt.");
  metrics_.describe("bus_messages_dead_lettered_total", "counter", "Messages that exhausted their attempts.");
}

InProcessBus::~InProcessBus() { stop(); }

InProcessBus::Worker* InProcessBus::workerFor(Database& store, const std::string& subscriber) {
  for (auto& worker : workers_) {
    if (&worker->store() == &store && worker->subscriber() == subscriber) return worker.get();
  }
  workers_.push_back(std::make_unique<Worker>(subscriber, store, retry_, metrics_, log_));
  return workers_.back().get();
}

void InProcessBus::subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler) {
  if (started_) throw std::logic_error("subscribe before the bus starts");
  workerFor(store, subscriber)->addHandler(std::string(topic), std::move(handler));
}

void InProcessBus::publish(const Envelope& message) {
  for (auto& worker : workers_) {
    if (worker->handles(message.topic)) worker->enqueue(message);
  }
  metrics_.increment("bus_messages_published_total", {{"topic", message.topic}, {"type", message.type}});
}

void InProcessBus::start() {
  started_ = true;
  for (auto& worker : workers_) worker->start();
}

void InProcessBus::stop() {
  for (auto& worker : workers_) worker->stop();
}

std::vector<DeadLetter> InProcessBus::deadLetters() {
  std::vector<DeadLetter> all;
  for (auto& worker : workers_) {
    auto mine = worker->deadLetters();
    all.insert(all.end(), std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.deadAt > b.deadAt; });
  return all;
}

bool InProcessBus::replay(const std::string& id) {
  for (auto& worker : workers_) {
    auto result = worker->replay(id);
    if (!result) continue;
    if (!*result)
      throw Problem::conflict("already-replayed", "Already replayed.", "This dead letter was replayed before.");
    return true;
  }
  return false;
}

}  // namespace boxoffice
