#pragma once
// The reservation engine: the one writer of inventory state.
//
// Every change to seats goes through here. Commands (reserve, confirm, release, capacity) are
// queued; one engine worker (a BackgroundWorker woken by submit) takes whatever is queued, decides each command in
// arrival order against the in-memory state, writes all of the batch's changes and messages in ONE transaction (group
// commit, synchronous=FULL), and only after that commit answers each caller. Decisions never race (one decider),
// throughput comes from batching, and no caller is told "yes" before its hold is durable. A failing command rolls back
// to its own savepoint and its in-memory changes are undone through the journal; the rest of the batch still commits.
//
// Messages from the events module and the checkout saga's commands (HoldSeats, ConfirmSeats,
// ReleaseSeats, ReturnSeats: engine_saga.cpp) are applied by the bus inside its own transaction
// on the inbox thread; that transaction holds the same database write lock, so it never
// interleaves with a batch. Every change to the working state happens under that lock; the
// worker learns when the next hold is due from an atomic updated after each commit.
//
// Reads (availability) come from immutable snapshots swapped in after each commit.
#include <atomic>
#include <boost/json/object.hpp>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/actor.hpp"
#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "journal.hpp"
#include "model.hpp"
#include "store.hpp"

namespace boxoffice::inventory {

struct ReserveCommand {
  std::string eventId;
  std::string categoryId;
  int ticketCount = 0;
  std::string sessionId;
  std::string idempotencyKey;  // empty: none
  std::string requestHash;     // idempotency::fingerprint of what was asked
};
struct ConfirmCommand {
  std::string eventId;
  std::string reservationId;
};
struct ReleaseCommand {
  std::string eventId;
  std::string reservationId;
};
struct CapacityCommand {
  struct Change {
    std::string categoryId;
    int totalSeats = 0;
  };
  std::string eventId;
  std::optional<IfMatch> ifMatch;  // absent: unconditional
  std::vector<Change> changes;
};
using Command = std::variant<ReserveCommand, ConfirmCommand, ReleaseCommand, CapacityCommand>;

struct Outcome {
  int status = 200;
  boost::json::object body;
  std::optional<Problem> problem;
  bool replayed = false;     // an idempotent replay of an earlier answer
  std::int64_t version = 0;  // inventory version after the command (ETag)
};
using Done = std::function<void(Outcome)>;

// What readers see: rendered once per change.
struct Snapshot {
  std::string eventId;
  std::string organizerId;
  SaleStatus status = SaleStatus::Draft;
  std::int64_t version = 0;
  Rules rules;
  std::vector<CategoryUsage> usage;
  std::string json;  // the public availability document
};

struct EngineSettings {
  Rules defaultRules;
  std::size_t maxBatch = 512;
  std::int64_t holdTimeoutOverrideMs = 0;  // inventory.reservationTimeoutSeconds; 0: use the rules
};

class Engine {
 public:
  // Holds expire and idempotency records age on `clock` (a ManualClock in tests).
  Engine(Database& store, EngineSettings settings, Metrics& metrics, Logger log, const Clock& clock);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void load();   // reads the database into memory (before start; again at a takeover, replacing it)
  void start();  // the engine's worker; expires overdue holds at once
  void stop();   // refuses new commands, answers what is queued, then stops

  // Queues a command; `done` runs on the engine thread after the commit (or with a problem).
  void submit(Command command, Actor actor, Done done);

  // Applies an events-module message inside the subscriber transaction `tx`.
  void applyEventMessage(Tx& tx, std::string_view type, const events::messages::EventState& state,
                         const std::string& correlationId);

  // The checkout saga's commands, applied inside the inbox transaction `tx` (engine_saga.cpp).
  // Each publishes its reply on "tickets" with `correlationId`, in `tx`. A business refusal is a
  // reply (SeatsNotHeld, SeatsNotConfirmed); only a fault throws (the bus retries the command).
  void applyCommand(Tx& tx, const messages::HoldSeats& command, const std::string& correlationId);
  void applyCommand(Tx& tx, const messages::ConfirmSeats& command, const std::string& correlationId);
  void applyCommand(Tx& tx, const messages::ReleaseSeats& command, const std::string& correlationId);
  void applyCommand(Tx& tx, const messages::ReturnSeats& command, const std::string& correlationId);

  std::shared_ptr<const Snapshot> snapshot(const std::string& eventId) const;
  // Called after every commit with the ids of the events it changed (live updates).
  void onChange(std::function<void(const std::vector<std::string>&)> listener) {
    changeListener_ = std::move(listener);
  }
  // Called inside every transaction that changed events, before it commits, with their ids
  // (the owner tells the other instances). Before start().
  void onChanging(std::function<void(Tx&, const std::vector<std::string>&)> listener) {
    changingListener_ = std::move(listener);
  }
  // While another instance owns the seats (this engine is not started): reads `eventId` again
  // from the database and renders its snapshot (gone from the database: gone here too).
  void refreshFromStore(const std::string& eventId);

 private:
  struct Pending {
    Command command;
    Actor actor;
    Done done;
  };
  struct Batch;  // the state of one transaction: journal, touched events, clock
  std::int64_t nowMs() const;
  // A Batch for a transaction the bus opened: undone on rollback, snapshots after the commit.
  std::shared_ptr<Batch> beginInTx(Tx& tx);
  // After a commit or a rollback, under the write lock: publishes when the next hold is due.
  // True if that is sooner than before (the worker must wake to sleep less).
  bool noteNextDue();

  // One worker step: one batch of queued commands plus the holds now due, in one transaction.
  std::optional<std::chrono::milliseconds> step();
  std::vector<Pending> takeBatch();
  void process(std::vector<Pending>& pending);
  Outcome apply(Batch& batch, Tx& tx, Pending& pending);
  Outcome reserve(Batch& batch, Tx& tx, const ReserveCommand& command, const Actor& actor,
                  const std::string& correlationId);
  Outcome confirm(Batch& batch, Tx& tx, const ConfirmCommand& command, const Actor& actor,
                  const std::string& correlationId);
  Outcome release(Batch& batch, Tx& tx, const ReleaseCommand& command, const Actor& actor,
                  const std::string& correlationId);
  Outcome changeCapacity(Batch& batch, Tx& tx, const CapacityCommand& command, const Actor& actor,
                         const std::string& correlationId);
  // Places `hold` (its seats leave `category`'s available ones), stores it and publishes
  // TicketsReserved. Returns the message's payload (the API's reservation document).
  boost::json::object placeHold(Batch& batch, Tx& tx, EventInventory& event, Category& category, Reservation hold,
                                const std::string& actorId, const std::string& correlationId);
  // Sells the active hold `reservationId`: reserved seats become sold; publishes ReservationConfirmed.
  Reservation sellHold(Batch& batch, Tx& tx, EventInventory& event, const std::string& reservationId,
                       const std::string& actorId, const std::string& correlationId,
                       boost::json::object* payload = nullptr);
  // Ends an active hold (expired, released, or cancelled with its event): seats go back.
  // `status` picks the message: Expired -> ReservationExpired, Cancelled -> ReservationReleased.
  void endHold(Batch& batch, Tx& tx, EventInventory& event, const std::string& reservationId, ReservationStatus status,
               const std::string& reason, const std::string& actorId, const std::string& correlationId);
  void expireDue(Batch& batch, Tx& tx);
  // Publishes LowInventory / SoldOut once per crossing (with the causing correlationId) and bumps the version.
  static void afterChange(Batch& batch, Tx& tx, EventInventory& event, const std::string& correlationId);
  // A stored change of `hold`, told: its message (the action's name is the message type), the
  // threshold checks and the audit row, all in `tx`. Returns the message's payload, which is also
  // the API's reservation document.
  template <class Message>
  static boost::json::object announceHoldChange(Batch& batch, Tx& tx, EventInventory& event, const Reservation& hold,
                                                const Message& message, const std::string& actorId,
                                                const std::string& correlationId);
  void saveTouchedHeaders(Batch& batch, Tx& tx);
  static Outcome finishedHoldOutcome(Tx& tx, const std::string& eventId, const std::string& reservationId,
                                     bool forConfirm);
  void publishSnapshots(const std::vector<std::string>& eventIds);
  static std::shared_ptr<const Snapshot> render(const EventInventory& event);
  EventInventory* findEvent(const std::string& eventId);
  // Its organizer, an Admin or the system (rules.hpp: managedBy).
  static bool managedBy(const EventInventory& event, const Actor& actor);

  // ---- the saga's commands (engine_saga.cpp) ----
  // Places or adopts the order's holds and publishes SeatsHeld; throws a refusal.
  void holdForOrder(Batch& batch, Tx& tx, const messages::HoldSeats& command, const std::string& correlationId);
  void adoptForOrder(Batch& batch, Tx& tx, const messages::HoldSeats& command, const std::string& correlationId);
  // Sells the order's holds, holding expired ones again; throws a refusal (nothing changed then).
  std::vector<Reservation> confirmOrder(Batch& batch, Tx& tx, const messages::ConfirmSeats& command,
                                        const std::vector<Reservation>& holds, const std::string& correlationId,
                                        bool& heldAgain);
  Reservation holdAgain(Batch& batch, Tx& tx, EventInventory& event, const Reservation& expired,
                        const std::string& correlationId);
  // Ends every active hold among `holds`; returns the seats given back.
  int releaseOrderHolds(Batch& batch, Tx& tx, const std::vector<Reservation>& holds, const std::string& reason,
                        const std::string& correlationId);
  // Runs `body` under a savepoint; a refusal it throws rolls back its changes (database and
  // memory) and is returned as (reason slug, detail). Faults propagate.
  template <class Body>
  std::optional<std::pair<std::string, std::string>> refusable(Batch& batch, Tx& tx, Body&& body);
  // Counts the command when its transaction commits ("error" if it throws); runs `body`, which
  // returns the result label.
  template <class Body>
  void countedCommand(Tx& tx, std::string_view command, Body&& body);

  Database& store_;
  EngineSettings settings_;
  Metrics& metrics_;
  Logger log_;
  const Clock& clock_;

  // Working state: changed only while the database write lock is held.
  std::unordered_map<std::string, EventInventory> events_;
  std::unordered_map<std::string, Reservation> activeHolds_;
  idempotency::Cache idempotency_;                      // reserve's Idempotency-Key records, per user
  using Expiry = std::pair<std::int64_t, std::string>;  // (expiresAtMs, reservationId)
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries_;
  // The earliest entry of expiries_, published after each commit for the worker, which reads it
  // without the write lock (never reads expiries_ itself outside a transaction).
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  std::atomic<std::int64_t> nextDueMs_{kNever};

  mutable std::mutex snapshotsMutex_;
  std::unordered_map<std::string, std::shared_ptr<const Snapshot>> snapshots_;
  std::function<void(const std::vector<std::string>&)> changeListener_;
  std::function<void(Tx&, const std::vector<std::string>&)> changingListener_;

  std::mutex queueMutex_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  // Declared last: it stops (joins) before the state its step uses is destroyed.
  BackgroundWorker worker_;
};

}  // namespace boxoffice::inventory
