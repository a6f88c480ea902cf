#pragma once
// The receiving side of messaging, the same for every transport (see bus.hpp).
//
// An Inbox is one subscriber's queue: the `inbox` table in the subscriber's own database.
// A transport calls accept() for every message routed to the subscriber; accept() returns once
// the message is durable (a broker adapter settles the broker message after it returns), and a
// second delivery of the same message id is a no-op. The inbox's worker runs the handlers inside
// the subscriber's write transaction and marks the row done in the same commit, so a message is
// handled exactly once per subscriber. A failing handler is retried with exponential backoff in
// the injected Clock's time; after `maxAttempts` failures the message becomes a dead letter.
//
// Inboxes holds every inbox of the process, starts and stops their workers, and is the
// DeadLetterAdmin the admin routes use.
#include <chrono>
#include <memory>
#include <optional>
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

class Inbox {
 public:
  Inbox(std::string subscriber, Database& store, RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log);
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;
  ~Inbox();

  // Handlers run in registration order for every message of their topic. Before start().
  void addHandler(std::string topic, MessageHandler handler);
  const std::string& subscriber() const { return subscriber_; }
  Database& store() { return store_; }

  // Stores the message durably (once per message id) and wakes the worker. Throws if the store
  // cannot: the sender keeps the message and tries again.
  void accept(const Envelope& message);
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
  std::optional<std::chrono::milliseconds> drain();
  void handleDue();
  std::vector<Due> fetchDue();
  std::optional<std::int64_t> nextDueMs();
  void handle(const Due& item);
  // `permanent`: no retry can help (the row cannot be read), so it is dead-lettered at once.
  void fail(const Due& item, const Envelope& message, const std::string& error, bool permanent = false);
  void housekeeping();

  std::string subscriber_;
  Database& store_;
  RetryPolicy retry_;
  const Clock& clock_;
  Metrics& metrics_;
  Logger log_;
  std::vector<std::pair<std::string, MessageHandler>> handlers_;
  std::optional<SteadyTimePoint> lastHousekeeping_;
  bool started_ = false;
  BackgroundWorker worker_;
};

class Inboxes final : public DeadLetterAdmin {
 public:
  Inboxes(RetryPolicy retry, const Clock& clock, Metrics& metrics, Logger log);
  Inboxes(const Inboxes&) = delete;
  Inboxes& operator=(const Inboxes&) = delete;
  ~Inboxes() override;

  // The inbox of `subscriber` in `store`, made on first use. Before start().
  Inbox& of(const std::string& subscriber, Database& store);
  void start();
  void stop();

  DeadLetterPage list(std::int64_t offset, std::int64_t limit) override;
  bool replay(const std::string& deadLetterId) override;

 private:
  RetryPolicy retry_;
  const Clock& clock_;
  Metrics& metrics_;
  Logger log_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
  bool started_ = false;
};

}  // namespace boxoffice
