#pragma once
// The HTTP surface of the tickets module (docs/api/tickets.md): thin handlers that check who may
// see what, parse, and call the service or the store. routes.cpp: a holder's tickets, QR codes,
// the print page, transfers. door_routes.cpp: check-in, offline lists and sync, statistics,
// scanner grants, admission settings, the public keys.
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/live_documents.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"
#include "key_ring.hpp"
#include "service.hpp"
#include "store.hpp"

namespace boxoffice::tickets {

// The most scans one offline sync may carry.
inline constexpr std::size_t kMaxSyncScans = 500;

// Transfers a holder may start per hour: each pending one emails someone (routes.cpp, module.cpp).
inline constexpr const char* kTransferPolicy = "tickets-transfers";

class Routes {
 public:
  Routes(Database& store, TicketService& service, const EventAccess& access, KeyRing& keys,
         const identity::UserDirectory& users, LiveDocuments& live, RateLimiter& rateLimiter, const Clock& clock);
  void registerAll(Router& router);

 private:
  // routes.cpp
  http::Response listOwn(const http::Request& request, RequestContext& ctx);
  http::Response getTicket(const http::Request& request, RequestContext& ctx);
  http::Response qrSvg(const http::Request& request, RequestContext& ctx);
  http::Response qrPng(const http::Request& request, RequestContext& ctx);
  http::Response print(const http::Request& request, RequestContext& ctx);
  http::Response transfer(const http::Request& request, RequestContext& ctx);
  http::Response claim(const http::Request& request, RequestContext& ctx);
  http::Response cancelTransfer(const http::Request& request, RequestContext& ctx);
  http::Response listTransfers(const http::Request& request, RequestContext& ctx);
  // One page of the tickets `filter` selects (?page&size), after `validation` has its last say.
  http::Response ticketPage(const http::Request& request, const store::TicketFilter& filter,
                            json::Validation& validation) const;
  // The ticket `id` if the caller holds it or manages its event; 404 otherwise.
  Ticket visibleTicket(const http::Request& request, RequestContext& ctx) const;

  // door_routes.cpp
  http::Response eventTickets(const http::Request& request, RequestContext& ctx);
  http::Response checkIn(const http::Request& request, RequestContext& ctx);
  http::Response checkinList(const http::Request& request, RequestContext& ctx);
  http::Response syncScans(const http::Request& request, RequestContext& ctx);
  http::Response checkinStats(const http::Request& request, RequestContext& ctx);
  http::Response grantScanner(const http::Request& request, RequestContext& ctx);
  http::Response listScanners(const http::Request& request, RequestContext& ctx);
  http::Response myScannerGrants(const http::Request& request, RequestContext& ctx);
  http::Response revokeScanner(const http::Request& request, RequestContext& ctx);
  http::Response getSettings(const http::Request& request, RequestContext& ctx);
  http::Response putSettings(const http::Request& request, RequestContext& ctx);
  http::Response publicKeys(const http::Request& request, RequestContext& ctx);
  http::Response rotateKey(const http::Request& request, RequestContext& ctx);
  // The event `id` if the caller manages it (scans it, with `scanners`); 404 otherwise.
  events::EventView managedEvent(const http::Request& request, RequestContext& ctx, bool scanners = false) const;

  Database& store_;
  TicketService& service_;
  const EventAccess& access_;
  KeyRing& keys_;
  const identity::UserDirectory& users_;
  LiveDocuments& live_;
  RateLimiter& rateLimiter_;
  const Clock& clock_;
};

// A ticket as the API shows it.
boost::json::object ticketJson(const Ticket& ticket);
// The `status` query parameter of a ticket list, checked (a validation error names it).
std::optional<std::string> statusFilter(const http::Request& request, json::Validation& validation);

}  // namespace boxoffice::tickets
