#pragma once
// The receiving side of messaging, the same for every transport (see bus.hpp).
//
// An Inbox is one subscriber's queue: the `inbox` table in the subscriber's own database.
// A transport calls accept() for every message routed to the subscriber; accept() returns once
// the message is durable (a broker adapter settles the broker message after it returns), and a
// second delivery of the same message id is a no-op. A batch of messages is accepted in one
// transaction (one fsync for all of them).
//
// The inbox's worker handles up to `batchSize` due messages, in arrival order, in ONE write
// transaction of the subscriber's database (group commit: one fsync per batch), each message
// inside a savepoint of its own (Tx::savepoint). The row is marked done inside that savepoint,
// so it commits together with the handler's writes: a message is handled exactly once per
// subscriber. A handler that throws rolls back to its savepoint only (its writes and the
// in-memory hooks it registered are undone) and its failure is recorded in the same transaction;
// the rest of the batch commits. A failed message is retried with exponential backoff in the
// injected Clock's time; after `maxAttempts` failures it becomes a dead letter. Should the
// batch's transaction fail as a whole, its messages are handled again one per transaction.
//
// An inbox may instead handle each message inside the transaction that accepts it
// (handleOnAccept): one transaction per delivered batch instead of two, no second read of the
// envelope, and the row remembers only the id (for dedupe), not the envelope. For a handler that
// is quick and writes only to the subscriber's store (audit's chain append, which sees every
// message on the bus). A handler that throws there leaves its message pending with the failure
// recorded, as if the worker had tried it once: retries and dead letters work as usual. Should
// the accepting transaction fail as a whole, the batch is stored for the worker instead.
//
// Inboxes holds every inbox of the process, starts and stops their workers, and is the
// DeadLetterAdmin the admin routes use.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/dead_letters.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice {

struct RetryPolicy {
  int maxAttempts = 5;
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds max{60000};
  // Delay before attempt `attempt + 1`, after `attempt` failures: base * 2^(attempt-1), capped.
  std::chrono::milliseconds delayAfter(int attempt) const;
};

// Messages handled per transaction unless configured otherwise (bus.inboxBatch).
inline constexpr int kDefaultInboxBatch = 128;

// A message with its envelope serialised once, for every inbox it goes to.
struct SerializedEnvelope {
  const Envelope* message;
  std::string_view json;  // Envelope::toJson, serialised; the caller keeps it alive
};

class Inbox {
 public:
  Inbox(std::string subscriber, Database& store, RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log,
        int batchSize = kDefaultInboxBatch);
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;
  ~Inbox();

  // Handlers run in registration order for every message of their topic. Before start().
  void addHandler(std::string topic, MessageHandler handler);
  const std::string& subscriber() const { return subscriber_; }
  Database& store() { return store_; }

  // Stores the messages durably (once per message id), all in one transaction, in the order
  // given, and wakes the worker. Throws if the store cannot (then none is stored): the sender
  // keeps the messages and tries again. Returns how many were new (an id the inbox already holds,
  // pending or handled within the retention window, counts as not new).
  std::size_t accept(std::span<const SerializedEnvelope> messages);
  std::size_t accept(std::span<const Envelope> messages);
  std::size_t accept(const Envelope& message);
  // accept() runs the handlers in its own transaction (see above) while the inbox is started:
  // its worker is what retries a message that failed there. Stopped or not yet started (a
  // command-line replay builds the modules without starting them), accept() only stores.
  // Before start().
  void handleOnAccept();
  void start();
  // Handles what is due now, then stops; retries not yet due wait in the table for the next start.
  void stop();

  std::vector<DeadLetter> deadLetters();
  // nullopt: no dead letter of this inbox has the id; false: replayed before; true: queued again.
  std::optional<bool> replay(const std::string& deadLetterId);

 private:
  struct Due {
    std::string messageId;
    std::string topic;
    std::string type;
    std::string envelope;
    int attempts;
  };
  // What became of one message of a batch; reported (logs, metrics) once the batch committed.
  struct Outcome {
    enum Kind { Skipped, Delivered, Retried, Dead } kind = Skipped;
    std::string type;
    std::string correlationId;
    int attempts = 0;
    std::string error;
  };
  // Every handler of the message's topic, in registration order, inside `tx` (a savepoint).
  void runHandlers(const Envelope& message, Tx& tx);
  std::size_t acceptQueued(std::span<const SerializedEnvelope> messages);
  std::size_t acceptHandling(std::span<const SerializedEnvelope> messages);
  std::optional<std::chrono::milliseconds> drain();
  void handleDue();
  std::vector<Due> fetchDue();
  std::optional<std::int64_t> nextDueMs();
  void handleBatch(std::span<const Due> batch);
  Outcome handleInTx(Tx& tx, const Due& item);
  // Records a failed attempt in `tx`: retry later, or dead letter. `permanent`: no retry can help
  // (the row cannot be read), so it is dead-lettered at once.
  Outcome fail(Tx& tx, const Due& item, const Envelope& message, const std::string& error, bool permanent = false);
  void report(const Due& item, const Outcome& outcome);
  void housekeeping();

  std::string subscriber_;
  Database& store_;
  RetryPolicy retry_;
  const Clock& clock_;
  Metrics& metrics_;
  Logger log_;
  int batchSize_;
  std::vector<std::pair<std::string, MessageHandler>> handlers_;
  std::optional<SteadyTimePoint> lastHousekeeping_;
  bool started_ = false;
  bool handleOnAccept_ = false;                // asked for; set before start()
  std::atomic<bool> handlingOnAccept_{false};  // in effect: between start() and stop()
  BackgroundWorker worker_;
};

class Inboxes final : public DeadLetterAdmin {
 public:
  // `batchSize`: messages each inbox handles per transaction (at least 1).
  Inboxes(RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log, int batchSize = kDefaultInboxBatch);
  Inboxes(const Inboxes&) = delete;
  Inboxes& operator=(const Inboxes&) = delete;
  ~Inboxes() override;

  // The inbox of `subscriber` in `store`, made on first use. Before start().
  Inbox& of(const std::string& subscriber, Database& store);
  // start() leaves the inbox of `subscriber` stopped: its messages wait in its table until
  // startDeferred(subscriber) (an instance that does not own that module's state yet). Before start().
  void defer(const std::string& subscriber);
  // Starts a deferred inbox (after start(); once: later calls do nothing).
  void startDeferred(const std::string& subscriber);
  void start();
  void stop();

  DeadLetterPage list(std::int64_t offset, std::int64_t limit) override;
  bool replay(const std::string& deadLetterId) override;

 private:
  RetryPolicy retry_;
  const Clock& clock_;
  Metrics& metrics_;
  Logger log_;
  int batchSize_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::mutex deferredMutex_;
  std::vector<std::string> deferred_;  // under deferredMutex_: not started yet
  bool started_ = false;
};

}  // namespace boxoffice
