#pragma once
// The orders use cases: placing, paying, reading, listing and cancelling orders, the Admin's saga
// views, the saga's message handling and its timeout sweep. Every change goes through saga.hpp's
// decide() and is stored with its commands and messages in one transaction (apply()).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/events/api.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/actor.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/payments/messages.hpp"
#include "render.hpp"
#include "saga.hpp"
#include "store.hpp"

namespace boxoffice::orders {

struct Settings {
  std::chrono::seconds sagaTimeout{120};
  int sweepBatch = 100;
};

// Swaps the buyer's card for a vault token (payments::PaymentMethods::prepare; throws its 400).
// The service calls it once, after the Idempotency-Key lookup: a replay puts nothing in the vault.
using PreparePayment = std::function<payments::messages::PaymentMethod()>;

// A validated POST /api/v1/orders (routes.cpp parses it).
struct PlaceInput {
  std::string eventId;
  std::vector<Item> items;                                   // empty when adopting a hold
  std::optional<std::string> reservationId;                  // adopt this hold of the buyer
  std::optional<payments::messages::PaymentMethod> payment;  // or, set by the service, preparePayment's
  PreparePayment preparePayment;                             // empty: no payment details (or `payment` as is)
  std::string ipAddress;
  std::string userAgent;
};

// An answer that may be a replay of the one stored under an Idempotency-Key.
struct Answer {
  int status = 202;
  std::string body;
  std::string orderId;
  bool replayed = false;
};

struct IdempotencyInput {
  std::string key;
  std::string fingerprint;
};

struct ListQuery {
  std::optional<std::string> eventId;
  std::optional<std::string> status;
  bool mine = false;  // only the caller's own orders, whatever the caller's role
};

class OrdersService {
 public:
  OrdersService(Database& db, const events::EventQueries* events, Logger log, Metrics& metrics, const Clock& clock,
                Settings settings);

  Answer place(const Actor& actor, PlaceInput input, const IdempotencyInput& idempotency);
  // `prepare`, when given, replaces payment.method once the request is known to be no replay and
  // the order payable.
  Answer pay(const Actor& actor, const std::string& orderId, PaymentGiven payment, const IdempotencyInput& idempotency,
             const PreparePayment& prepare = {});
  // 404 unless the caller owns the order, organizes its event or is an Admin.
  OrderView get(const Actor& actor, const std::string& orderId) const;
  store::OrderPage list(const Actor& actor, const ListQuery& query, const PageRequest& page) const;
  // Returns the order after the request; `pending` when a refund must come back first.
  OrderView cancel(const Actor& actor, const std::string& orderId, bool& pending);
  store::OrderPage sagas(const std::optional<std::string>& state, const PageRequest& page) const;
  SagaView saga(const std::string& orderId) const;

  // The saga's subscriptions (module.cpp), each inside the inbox transaction.
  void onMessage(const inventory::messages::SeatsHeld& m, Tx& tx);
  void onMessage(const inventory::messages::SeatsNotHeld& m, Tx& tx);
  void onMessage(const inventory::messages::SeatsConfirmed& m, Tx& tx);
  void onMessage(const inventory::messages::SeatsNotConfirmed& m, Tx& tx);
  void onMessage(const inventory::messages::SeatsReleased& m, Tx& tx);
  void onMessage(const inventory::messages::SeatsReturned& m, Tx& tx);
  void onMessage(const inventory::messages::ReservationExpired& m, Tx& tx);
  void onMessage(const inventory::messages::ReservationReleased& m, Tx& tx);
  void onMessage(const payments::messages::PaymentCompleted& m, Tx& tx);
  void onMessage(const payments::messages::PaymentFailed& m, Tx& tx);
  void onMessage(const payments::messages::PaymentRefunded& m, Tx& tx);
  void onMessage(const payments::messages::PaymentChargedBack& m, Tx& tx);
  void onMessage(const events::messages::EventCancelled& m, Tx& tx);
  void onMessage(const events::messages::EventDeleted& m, Tx& tx);

  // Compensates sagas stuck in their step past the timeout. Returns how many.
  int sweep();

 private:
  // decide() on the stored order and store everything it decided. Returns the decision.
  Decision apply(Tx& tx, const Checkout& current, const Fact& fact);
  void applyTo(Tx& tx, const std::string& orderId, const Fact& fact);
  void holdEnded(Tx& tx, const inventory::messages::ReservationState& hold, HoldEnded fact);
  void eventEnded(Tx& tx, const std::string& eventId, bool deleted);
  bool overdue(const Saga& saga, TimePoint now) const;
  bool mayRead(const Actor& actor, const Order& order) const;
  bool organizes(const Actor& actor, const std::string& eventId) const;
  void describeMetrics();

  Database& db_;
  const events::EventQueries* events_;
  Logger log_;
  Metrics& metrics_;
  const Clock& clock_;
  Settings settings_;
};

}  // namespace boxoffice::orders
