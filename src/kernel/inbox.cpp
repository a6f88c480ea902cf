#include "boxoffice/kernel/inbox.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice {

namespace {
// With nothing due the worker still looks now and then: a safety net should a wake be missed.
constexpr auto kPoll = std::chrono::milliseconds(1000);
// Handled rows are kept this long: they are what makes a late duplicate delivery a no-op.
constexpr auto kRetention = std::chrono::hours(24 * 7);
constexpr auto kHousekeepingEvery = std::chrono::hours(1);
}  // namespace

std::chrono::milliseconds RetryPolicy::delayAfter(int attempt) const {
  auto delay = base;
  for (int i = 1; i < attempt && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

Inbox::Inbox(std::string subscriber, Database& store, RetryPolicy retry, const Clock& clock, Metrics& metrics,
             Logger log)
    : subscriber_(std::move(subscriber)),
      store_(store),
      retry_(retry),
      clock_(clock),
      metrics_(metrics),
      log_(std::move(log)),
      worker_("inbox:" + subscriber_, clock, log_, [this] { return drain(); }) {}

Inbox::~Inbox() { stop(); }

void Inbox::addHandler(std::string topic, MessageHandler handler) {
  handlers_.emplace_back(std::move(topic), std::move(handler));
}

void Inbox::accept(const Envelope& message) {
  std::string envelope = boost::json::serialize(message.toJson());
  std::string now = formatRfc3339(clock_.now());
  std::int64_t due = clock_.nowMillis();
  store_.write([&](Tx& tx) {
    // The primary key makes a second delivery of the same message a no-op.
    tx.exec(
        "INSERT OR IGNORE INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, "
        "next_attempt_ms, received_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
        subscriber_, message.messageId, message.topic, message.type, envelope, due, now);
  });
  worker_.wake();
}

void Inbox::start() {
  started_ = true;
  worker_.start();
}

void Inbox::stop() {
  worker_.stop();
  if (!started_) return;
  started_ = false;
  // The worker has ended: handle on this thread what is due now (the outbox's last flush may
  // just have delivered it), so the subscriber finishes the work in hand before the process ends.
  try {
    handleDue();
  } catch (const std::exception& e) {
    log_.error("inbox worker error", {{"subscriber", subscriber_}, {"error", e.what()}});
  }
}

std::vector<DeadLetter> Inbox::deadLetters() {
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

std::optional<bool> Inbox::replay(const std::string& deadLetterId) {
  auto result = store_.write([&](Tx& tx) -> std::optional<bool> {
    std::string messageId;
    soci::indicator replayed = soci::i_null;
    std::string replayedAt;
    tx.sql() << "SELECT message_id, replayed_at FROM dead_letters WHERE id = :id AND subscriber = :s",
        soci::into(messageId), soci::into(replayedAt, replayed), soci::use(deadLetterId), soci::use(subscriber_);
    if (!tx.sql().got_data()) return std::nullopt;
    if (replayed == soci::i_ok) return false;
    std::string now = formatRfc3339(clock_.now());
    std::int64_t due = clock_.nowMillis();
    tx.sql() << "UPDATE dead_letters SET replayed_at = :now WHERE id = :id", soci::use(now), soci::use(deadLetterId);
    tx.sql() << "UPDATE inbox SET status = 'pending', attempts = 0, next_attempt_ms = :due, last_error = NULL "
                "WHERE subscriber = :s AND message_id = :m",
        soci::use(due), soci::use(subscriber_), soci::use(messageId);
    return true;
  });
  if (result && *result) worker_.wake();
  return result;
}

std::vector<Inbox::Due> Inbox::fetchDue() {
  return store_.read([&](soci::session& s) {
    std::vector<Due> due;
    std::int64_t now = clock_.nowMillis();
    soci::rowset<soci::row> found =
        (s.prepare << "SELECT message_id, topic, type, envelope, attempts FROM inbox WHERE subscriber = :s AND "
                      "status = 'pending' AND next_attempt_ms <= :now ORDER BY rowid LIMIT 64",
         soci::use(subscriber_), soci::use(now));
    for (const auto& row : found) {
      due.push_back({row.get<std::string>(0), row.get<std::string>(1), row.get<std::string>(2), row.get<std::string>(3),
                     static_cast<int>(rows::integer(row, 4))});
    }
    return due;
  });
}

std::optional<std::int64_t> Inbox::nextDueMs() {
  return store_.read([&](soci::session& s) -> std::optional<std::int64_t> {
    std::int64_t next = 0;
    soci::indicator ind = soci::i_null;
    s << "SELECT MIN(next_attempt_ms) FROM inbox WHERE subscriber = :s AND status = 'pending'", soci::into(next, ind),
        soci::use(subscriber_);
    if (ind != soci::i_ok) return std::nullopt;
    return next;
  });
}

void Inbox::handle(const Due& item) {
  Envelope message;
  try {
    message = Envelope::fromJson(boost::json::parse(item.envelope).as_object());
  } catch (const std::exception& e) {
    // A row no code can read (corrupt, or written by another version of the binary): retrying
    // cannot help, and left pending it would block every message behind it. Dead-letter it now.
    message.messageId = item.messageId;
    message.topic = item.topic;
    message.type = item.type;
    fail(item, message, std::string("unreadable envelope: ") + e.what(), true);
    return;
  }
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
      std::string now = formatRfc3339(clock_.now());
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

void Inbox::fail(const Due& item, const Envelope& message, const std::string& error, bool permanent) {
  int attempts = item.attempts + 1;
  bool dead = permanent || attempts >= retry_.maxAttempts;
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
      std::string now = formatRfc3339(clock_.now());
      tx.sql() << "UPDATE inbox SET status = 'dead', attempts = :a, last_error = :e WHERE subscriber = :s AND "
                  "message_id = :m",
          soci::use(attempts), soci::use(error), soci::use(subscriber_), soci::use(item.messageId);
      tx.sql() << "INSERT INTO dead_letters (id, subscriber, message_id, topic, type, attempts, error, dead_at) "
                  "VALUES (:id, :s, :m, :t, :ty, :a, :e, :now)",
          soci::use(id), soci::use(subscriber_), soci::use(item.messageId), soci::use(message.topic),
          soci::use(message.type), soci::use(attempts), soci::use(error), soci::use(now);
    } else {
      std::int64_t due = clock_.nowMillis() + retry_.delayAfter(attempts).count();
      tx.sql() << "UPDATE inbox SET attempts = :a, last_error = :e, next_attempt_ms = :due WHERE subscriber = :s "
                  "AND message_id = :m",
          soci::use(attempts), soci::use(error), soci::use(due), soci::use(subscriber_), soci::use(item.messageId);
    }
  });
  metrics_.increment(dead ? "bus_messages_dead_lettered_total" : "bus_messages_retried_total",
                     {{"subscriber", subscriber_}, {"type", message.type}});
}

void Inbox::housekeeping() {
  auto now = clock_.steadyNow();
  if (lastHousekeeping_ && now - *lastHousekeeping_ < kHousekeepingEvery) return;
  lastHousekeeping_ = now;
  std::string cutoff = formatRfc3339(clock_.now() - kRetention);
  store_.write([&](Tx& tx) {
    tx.sql() << "DELETE FROM inbox WHERE subscriber = :s AND status = 'done' AND processed_at < :c",
        soci::use(subscriber_), soci::use(cutoff);
  });
}

void Inbox::handleDue() {
  for (auto batch = fetchDue(); !batch.empty(); batch = fetchDue()) {
    for (const auto& item : batch) handle(item);
  }
}

// One worker per inbox, so a subscriber sees its messages one at a time in arrival order
// (retries aside).
std::optional<std::chrono::milliseconds> Inbox::drain() {
  try {
    handleDue();
    housekeeping();
    auto next = nextDueMs();
    if (!next) return kPoll;
    // Zero when it fell due while we looked: run again at once (a ManualClock may have moved).
    return std::clamp(std::chrono::milliseconds(*next - clock_.nowMillis()), std::chrono::milliseconds(0), kPoll);
  } catch (const std::exception& e) {
    log_.error("inbox worker error", {{"subscriber", subscriber_}, {"error", e.what()}});
    return std::chrono::milliseconds(1000);
  }
}

Inboxes::Inboxes(RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log)
    : retry_(retry), clock_(clock), metrics_(metrics), log_(std::move(log)) {
  metrics_.describe("bus_messages_delivered_total", "counter", "Messages handled successfully by a subscriber.");
  metrics_.describe("bus_messages_retried_total", "counter", "Failed deliveries scheduled for another attempt.");
  metrics_.describe("bus_messages_dead_lettered_total", "counter", "Messages that exhausted their attempts.");
}

Inboxes::~Inboxes() { stop(); }

Inbox& Inboxes::of(const std::string& subscriber, Database& store) {
  if (started_) throw std::logic_error("subscribe before the inboxes start");
  for (auto& inbox : inboxes_) {
    if (&inbox->store() == &store && inbox->subscriber() == subscriber) return *inbox;
  }
  inboxes_.push_back(std::make_unique<Inbox>(subscriber, store, retry_, clock_, metrics_, log_));
  return *inboxes_.back();
}

void Inboxes::start() {
  started_ = true;
  for (auto& inbox : inboxes_) inbox->start();
}

void Inboxes::stop() {
  for (auto& inbox : inboxes_) inbox->stop();
}

DeadLetterPage Inboxes::list(std::int64_t offset, std::int64_t limit) {
  std::vector<DeadLetter> all;
  for (auto& inbox : inboxes_) {
    auto mine = inbox->deadLetters();
    all.insert(all.end(), std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.deadAt > b.deadAt; });
  DeadLetterPage page;
  page.totalItems = static_cast<std::int64_t>(all.size());
  auto first = std::min(all.size(), static_cast<std::size_t>(std::max<std::int64_t>(offset, 0)));
  auto last = std::min(all.size(), first + static_cast<std::size_t>(std::max<std::int64_t>(limit, 0)));
  page.items.assign(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(first)),
                    std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(last)));
  return page;
}

bool Inboxes::replay(const std::string& deadLetterId) {
  for (auto& inbox : inboxes_) {
    auto result = inbox->replay(deadLetterId);
    if (!result) continue;
    if (!*result)
      throw Problem::conflict("already-replayed", "Already replayed.", "This dead letter was replayed before.");
    return true;
  }
  return false;
}

}  // namespace boxoffice
