#include "boxoffice/kernel/inbox.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "boxoffice/kernel/error_text.hpp"
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
             Logger log, int batchSize)
    : subscriber_(std::move(subscriber)),
      store_(store),
      retry_(retry),
      clock_(clock),
      metrics_(metrics),
      log_(std::move(log)),
      batchSize_(std::max(batchSize, 1)),
      worker_("inbox:" + subscriber_, clock, log_, [this] { return drain(); }) {}

Inbox::~Inbox() { stop(); }

void Inbox::addHandler(std::string topic, MessageHandler handler) {
  handlers_.emplace_back(std::move(topic), std::move(handler));
}

std::size_t Inbox::accept(std::span<const SerializedEnvelope> messages) {
  if (messages.empty()) return 0;
  if (handlingOnAccept_.load(std::memory_order_acquire)) {
    try {
      return acceptHandling(messages);
    } catch (const std::exception& e) {
      // The transaction failed as a whole (the store refused it, or a handler broke it): nothing of
      // it is kept. Store the batch for the worker instead, which isolates each message.
      log_.warn("handling on accept failed; the messages are queued for the worker",
                {{"subscriber", subscriber_},
                 {"messages", static_cast<std::int64_t>(messages.size())},
                 {"error", errorText(e)}});
    }
  }
  return acceptQueued(messages);
}

std::size_t Inbox::acceptQueued(std::span<const SerializedEnvelope> messages) {
  std::string now = formatRfc3339(clock_.now());
  std::int64_t due = clock_.nowMillis();
  std::size_t added = 0;
  store_.write([&](Tx& tx) {
    added = 0;
    for (const auto& [message, envelope] : messages) {
      // The primary key makes a second delivery of the same message a no-op.
      added += static_cast<std::size_t>(
          tx.exec("INSERT INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, "
                  "next_attempt_ms, received_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING",
                  subscriber_, message->messageId, message->topic, message->type, envelope, due, now));
    }
  });
  worker_.wake();
  return added;
}

// Each message in a savepoint of its own, as in the worker's batch: its row goes in as done
// together with the handler's writes. The row keeps no envelope: once handled, only its id is
// ever read again (the dedupe of a later delivery).
std::size_t Inbox::acceptHandling(std::span<const SerializedEnvelope> messages) {
  std::string now = formatRfc3339(clock_.now());
  std::int64_t due = clock_.nowMillis();
  std::size_t added = 0;
  bool queued = false;
  std::vector<std::pair<Due, Outcome>> outcomes;
  store_.write([&](Tx& tx) {
    added = 0;
    queued = false;
    outcomes.clear();
    for (const auto& entry : messages) {
      // Plain names, not a structured binding: clang 14 (the fuzz build) cannot capture one.
      const Envelope* message = entry.message;
      std::string_view envelope = entry.json;
      Due item{message->messageId, message->topic, message->type, {}, 0};
      Outcome outcome;
      try {
        bool isNew = tx.savepoint([&](Tx& inner) {
          if (inner.exec("INSERT INTO inbox (subscriber, message_id, topic, type, envelope, status, "
                         "attempts, next_attempt_ms, received_at, processed_at) "
                         "VALUES (?, ?, ?, ?, '', 'done', 1, ?, ?, ?) ON CONFLICT DO NOTHING",
                         subscriber_, message->messageId, message->topic, message->type, due, now, now) == 0) {
            return false;  // held already: handled, queued or dead
          }
          runHandlers(*message, inner);
          return true;
        });
        if (!isNew) continue;
        outcome = Outcome{Outcome::Delivered, message->type, message->correlationId, 1, {}};
      } catch (const TransactionAborted&) {
        throw;  // nothing is left to commit: accept() queues the batch for the worker instead
      } catch (const std::exception& e) {
        // The savepoint took the row back with the handler's writes. Stored for the worker, with
        // this attempt counted as its first (retry with backoff, or dead letter). Unless another
        // instance consuming the same queue (a redelivery) stored the message meanwhile: it is
        // that one's to handle, and the insert waited for it to commit.
        if (tx.exec("INSERT INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, "
                    "next_attempt_ms, received_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING",
                    subscriber_, message->messageId, message->topic, message->type, envelope, due, now) == 0) {
          continue;
        }
        outcome = fail(tx, item, *message, errorText(e));
        queued = true;
      }
      ++added;
      outcomes.emplace_back(std::move(item), std::move(outcome));
    }
  });
  for (const auto& [item, outcome] : outcomes) report(item, outcome);
  if (queued) worker_.wake();
  return added;
}

void Inbox::runHandlers(const Envelope& message, Tx& tx) {
  tx.setDefaultCausation(message.messageId);
  for (auto& [topic, handler] : handlers_) {
    if (topic == message.topic) handler(message, tx);
  }
}

std::size_t Inbox::accept(std::span<const Envelope> messages) {
  std::vector<std::string> json;
  json.reserve(messages.size());
  for (const auto& message : messages) json.push_back(boost::json::serialize(message.toJson()));
  std::vector<SerializedEnvelope> serialized;
  serialized.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) serialized.push_back({&messages[i], json[i]});
  return accept(serialized);
}

std::size_t Inbox::accept(const Envelope& message) { return accept(std::span<const Envelope>(&message, 1)); }

void Inbox::handleOnAccept() {
  if (started_) throw std::logic_error("handleOnAccept before the inbox starts");
  handleOnAccept_ = true;
}

void Inbox::start() {
  started_ = true;
  handlingOnAccept_.store(handleOnAccept_, std::memory_order_release);
  worker_.start();
}

void Inbox::stop() {
  handlingOnAccept_.store(false, std::memory_order_release);  // a late delivery waits in the table
  worker_.stop();
  if (!started_) return;
  started_ = false;
  // The worker has ended: handle on this thread what is due now (the outbox's last flush may
  // just have delivered it), so the subscriber finishes the work in hand before the process ends.
  try {
    handleDue();
  } catch (const std::exception& e) {
    log_.error("inbox worker error", {{"subscriber", subscriber_}, {"error", errorText(e)}});
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
                      "status = 'pending' AND next_attempt_ms <= :now ORDER BY rowid LIMIT :n",
         soci::use(subscriber_), soci::use(now), soci::use(batchSize_));
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

// One transaction for the whole batch: one commit (one fsync) instead of one per message.
void Inbox::handleBatch(std::span<const Due> batch) {
  std::vector<Outcome> outcomes;
  try {
    store_.write([&](Tx& tx) {
      outcomes.clear();
      outcomes.reserve(batch.size());
      for (const auto& item : batch) outcomes.push_back(handleInTx(tx, item));
    });
  } catch (const std::exception& e) {
    // The transaction failed as a whole (a handler broke it, or the commit failed) and every
    // message of it is still pending. Handle them one per transaction, so one message that breaks
    // its transaction cannot hold back the others.
    if (batch.size() > 1) {
      log_.warn("inbox batch failed; handling its messages one at a time",
                {{"subscriber", subscriber_},
                 {"messages", static_cast<std::int64_t>(batch.size())},
                 {"error", errorText(e)}});
      for (const auto& item : batch) handleBatch(std::span<const Due>(&item, 1));
      return;
    }
    // A single message whose handling broke its transaction: record the failed attempt on its own.
    const Due& item = batch.front();
    Envelope message;
    message.messageId = item.messageId;
    message.topic = item.topic;
    message.type = item.type;
    Outcome outcome;
    store_.write([&](Tx& tx) { outcome = fail(tx, item, message, errorText(e)); });
    report(item, outcome);
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) report(batch[i], outcomes[i]);
}

Inbox::Outcome Inbox::handleInTx(Tx& tx, const Due& item) {
  Envelope message;
  try {
    message = Envelope::fromJson(boost::json::parse(item.envelope).as_object());
  } catch (const std::exception& e) {
    // A row no code can read (corrupt, or written by another version of the binary): retrying
    // cannot help, and left pending it would block every message behind it. Dead-letter it now.
    message.messageId = item.messageId;
    message.topic = item.topic;
    message.type = item.type;
    return fail(tx, item, message, "unreadable envelope: " + errorText(e), true);
  }
  try {
    return tx.savepoint([&](Tx& inner) {
      std::string now = formatRfc3339(clock_.now());
      // Marked done first, inside the savepoint: it commits with the handler's writes or not at
      // all. No row changed: a replay or a duplicate worker got there first.
      if (inner.exec("UPDATE inbox SET status = 'done', attempts = attempts + 1, processed_at = ? "
                     "WHERE subscriber = ? AND message_id = ? AND status = 'pending'",
                     now, subscriber_, item.messageId) == 0) {
        return Outcome{Outcome::Skipped, message.type, message.correlationId, item.attempts, {}};
      }
      runHandlers(message, inner);
      return Outcome{Outcome::Delivered, message.type, message.correlationId, item.attempts + 1, {}};
    });
  } catch (const TransactionAborted&) {
    throw;  // nothing of the batch is left to commit: Database::write rolls it back
  } catch (const std::exception& e) {
    return fail(tx, item, message, errorText(e));
  }
}

Inbox::Outcome Inbox::fail(Tx& tx, const Due& item, const Envelope& message, const std::string& error, bool permanent) {
  int attempts = item.attempts + 1;
  bool dead = permanent || attempts >= retry_.maxAttempts;
  // Only while still pending: on PostgreSQL another instance's worker may have handled the
  // message between this attempt's rollback and now (the update waits for it, then finds 'done').
  if (dead) {
    std::string id = newUuid();
    std::string now = formatRfc3339(clock_.now());
    if (tx.exec(
            "UPDATE inbox SET status = 'dead', attempts = ?, last_error = ? WHERE subscriber = ? AND message_id = ? "
            "AND status = 'pending'",
            attempts, error, subscriber_, item.messageId) == 0) {
      return {Outcome::Skipped, message.type, message.correlationId, item.attempts, {}};
    }
    tx.exec(
        "INSERT INTO dead_letters (id, subscriber, message_id, topic, type, attempts, error, dead_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id, subscriber_, item.messageId, message.topic, message.type, attempts, error, now);
  } else {
    std::int64_t due = clock_.nowMillis() + retry_.delayAfter(attempts).count();
    if (tx.exec("UPDATE inbox SET attempts = ?, last_error = ?, next_attempt_ms = ? WHERE subscriber = ? AND "
                "message_id = ? AND status = 'pending'",
                attempts, error, due, subscriber_, item.messageId) == 0) {
      return {Outcome::Skipped, message.type, message.correlationId, item.attempts, {}};
    }
  }
  return {dead ? Outcome::Dead : Outcome::Retried, message.type, message.correlationId, attempts, error};
}

void Inbox::report(const Due& item, const Outcome& outcome) {
  switch (outcome.kind) {
    case Outcome::Skipped:
      return;
    case Outcome::Delivered:
      metrics_.increment("bus_messages_delivered_total", {{"subscriber", subscriber_}, {"type", outcome.type}});
      return;
    case Outcome::Retried:
    case Outcome::Dead: {
      bool dead = outcome.kind == Outcome::Dead;
      log_.warn(dead ? "message dead-lettered" : "message handler failed; will retry",
                {{"subscriber", subscriber_},
                 {"messageId", item.messageId},
                 {"type", outcome.type},
                 {"attempt", outcome.attempts},
                 {"error", outcome.error},
                 {"requestId", outcome.correlationId}});
      metrics_.increment(dead ? "bus_messages_dead_lettered_total" : "bus_messages_retried_total",
                         {{"subscriber", subscriber_}, {"type", outcome.type}});
      return;
    }
  }
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
    handleBatch(batch);
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
    log_.error("inbox worker error", {{"subscriber", subscriber_}, {"error", errorText(e)}});
    return std::chrono::milliseconds(1000);
  }
}

Inboxes::Inboxes(RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log, int batchSize)
    : retry_(retry), clock_(clock), metrics_(metrics), log_(std::move(log)), batchSize_(std::max(batchSize, 1)) {
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
  inboxes_.push_back(std::make_unique<Inbox>(subscriber, store, retry_, clock_, metrics_, log_, batchSize_));
  return *inboxes_.back();
}

void Inboxes::defer(const std::string& subscriber) {
  std::lock_guard lock(deferredMutex_);
  deferred_.push_back(subscriber);
}

void Inboxes::startDeferred(const std::string& subscriber) {
  {
    std::lock_guard lock(deferredMutex_);
    auto it = std::find(deferred_.begin(), deferred_.end(), subscriber);
    if (it == deferred_.end()) return;
    deferred_.erase(it);
  }
  for (auto& inbox : inboxes_) {
    if (inbox->subscriber() == subscriber) inbox->start();
  }
}

void Inboxes::start() {
  started_ = true;
  std::lock_guard lock(deferredMutex_);
  for (auto& inbox : inboxes_) {
    if (std::find(deferred_.begin(), deferred_.end(), inbox->subscriber()) == deferred_.end()) inbox->start();
  }
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
