#pragma once
// SQL for inventory.db. No decisions here: the engine decides, this writes and reads rows.
#include <boost/json/array.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <soci/soci.h>
#include <string>
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

struct LoadedState {
  std::vector<EventInventory> events;
  std::vector<Reservation> activeReservations;
};

namespace store {

LoadedState loadAll(soci::session& sql);
// Writes the event row and all its categories (upserts; categories not in `event` are deleted).
void saveEvent(Tx& tx, const EventInventory& event);
// The event row's counters only (version, alerts): the hot path after a reservation.
void saveEventHeader(Tx& tx, const EventInventory& event);
void saveCategory(Tx& tx, const std::string& eventId, const Category& category);
void insertReservation(Tx& tx, const Reservation& reservation);
void updateReservationStatus(Tx& tx, const std::string& reservationId, ReservationStatus status, std::int64_t nowMs);
std::optional<Reservation> findReservation(soci::session& sql, const std::string& reservationId);
void insertAudit(Tx& tx, const AuditEntry& a, const EventInventory& after, const std::string& at);

// Paged reads for owners and admins.
std::int64_t countReservations(soci::session& sql, const std::string& eventId);
std::vector<Reservation> listReservations(soci::session& sql, const std::string& eventId, int limit,
                                          std::int64_t offset);
std::int64_t countAudit(soci::session& sql, const std::string& eventId);
boost::json::array listAudit(soci::session& sql, const std::string& eventId, int limit, std::int64_t offset);

}  // namespace store
}  // namespace boxoffice::inventory
