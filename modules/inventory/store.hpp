#pragma once
// SQL for inventory.db. No decisions here: the engine decides, this writes and reads rows.
#include <boost/json/array.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "model.hpp"

namespace boxoffice::inventory {

struct AuditEntry {
  std::string eventId;
  std::string action;  // TicketsReserved, ReservationConfirmed, ..., CapacityChanged, InventorySynced
  std::string userId;  // "system" for the sweeper and messages
  std::string reservationId;
  std::string categoryId;
  int ticketCount = 0;
  std::string correlationId;
};

// A saga command's first answer, kept so that a repeat answers the same (inventory.db saga_replies).
struct SagaReply {
  std::string type;     // the reply message's type
  std::string payload;  // its JSON payload
};

struct LoadedState {
  std::vector<EventInventory> events;
  std::vector<Reservation> activeReservations;
};

namespace store {

LoadedState loadAll(soci::session& sql);
// One event and its categories as stored (no per-user counts): what a follower instance renders.
std::optional<EventInventory> loadEvent(soci::session& sql, const std::string& eventId);
// Writes the event row and all its categories (upserts; categories not in `event` are deleted).
void saveEvent(Tx& tx, const EventInventory& event);
// The event row's counters only (version, alerts): the hot path after a reservation.
void saveEventHeader(Tx& tx, const EventInventory& event);
void saveCategory(Tx& tx, const std::string& eventId, const Category& category);
void insertReservation(Tx& tx, const Reservation& reservation);
void updateReservationStatus(Tx& tx, const std::string& reservationId, ReservationStatus status, std::int64_t nowMs);
// An adopted hold now belongs to the order.
void setReservationOrder(Tx& tx, const std::string& reservationId, const std::string& orderId, std::int64_t nowMs);
// returned_count and status of `reservation`.
void updateReturned(Tx& tx, const Reservation& reservation, std::int64_t nowMs);
std::optional<Reservation> findReservation(soci::session& sql, const std::string& reservationId);
// Every reservation an order placed or adopted, oldest first.
std::vector<Reservation> findOrderReservations(soci::session& sql, const std::string& orderId);
std::optional<SagaReply> findSagaReply(soci::session& sql, std::string_view command, const std::string& key);
void insertSagaReply(Tx& tx, std::string_view command, const std::string& key, const std::string& orderId,
                     const SagaReply& reply, std::int64_t nowMs);
void insertAudit(Tx& tx, const AuditEntry& a, const EventInventory& after, const std::string& at);

// Paged reads for owners and admins.
std::int64_t countReservations(soci::session& sql, const std::string& eventId);
std::vector<Reservation> listReservations(soci::session& sql, const std::string& eventId, int limit,
                                          std::int64_t offset);
std::int64_t countAudit(soci::session& sql, const std::string& eventId);
boost::json::array listAudit(soci::session& sql, const std::string& eventId, int limit, std::int64_t offset);

}  // namespace store
}  // namespace boxoffice::inventory
