#include "routes.hpp"

#include <boost/json.hpp>
#include <cstdint>

#include "api_schemas.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/time.hpp"
#include "print_page.hpp"
#include "problems.hpp"
#include "qr_code.hpp"
#include "store.hpp"

namespace boxoffice::tickets {

namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr std::int64_t kDefaultPngScale = 8;

Response body(std::string contentType, std::string content) {
  Response response;
  response.status = 200;
  response.body = std::move(content);
  response.headers["Content-Type"] = std::move(contentType);
  return response;
}

boost::json::object transferJson(const Transfer& t) {
  boost::json::object out{{"transferId", t.transferId}, {"ticketId", t.ticketId},
                          {"eventId", t.eventId},       {"toEmail", t.toEmail},
                          {"status", t.status},         {"createdAt", formatUnixMillis(t.createdAt)}};
  if (t.newTicketId && t.status == "Cancelled") out["returnedTicketId"] = *t.newTicketId;
  if (t.completedAt) out["completedAt"] = formatUnixMillis(*t.completedAt);
  return out;
}

std::string requiredEmail(json::ObjectReader& in) {
  auto email = in.requiredString("email", 3, 254);
  auto at = email.find('@');
  if (!email.empty() && (at == std::string::npos || at == 0 || at + 1 == email.size() ||
                         email.find_first_of(" \t\r\n<>,;") != std::string::npos)) {
    in.validation().add("email", "must be an email address");
  }
  return email;
}

}  // namespace

boost::json::object ticketJson(const Ticket& t) {
  boost::json::object out{{"ticketId", t.ticketId},
                          {"orderId", t.orderId},
                          {"eventId", t.eventId},
                          {"categoryId", t.categoryId},
                          {"categoryName", t.categoryName},
                          {"holderUserId", t.holderUserId},
                          {"holderName", t.holderName},
                          {"code", t.code},
                          {"status", t.status},
                          {"issuedAt", formatUnixMillis(t.issuedAt)}};
  // Only a ticket that can still admit carries its QR payload.
  if (t.status == status::valid || t.status == status::checkedIn) out["qrPayload"] = t.payload;
  if (t.transferredFrom) out["transferredFrom"] = *t.transferredFrom;
  if (t.checkedInAt) out["checkedInAt"] = formatUnixMillis(*t.checkedInAt);
  if (t.checkedInGate) out["gate"] = *t.checkedInGate;
  if (t.voidedAt) out["voidedAt"] = formatUnixMillis(*t.voidedAt);
  if (t.voidReason) out["voidReason"] = *t.voidReason;
  return out;
}

std::optional<std::string> statusFilter(const Request& request, json::Validation& validation) {
  auto wanted = request.queryParam("status");
  if (wanted && *wanted != status::valid && *wanted != status::checkedIn && *wanted != status::voided &&
      *wanted != status::transferred) {
    validation.add("status", "must be Valid, CheckedIn, Voided or Transferred");
  }
  return wanted;
}

Routes::Routes(Database& store, TicketService& service, const EventAccess& access, KeyRing& keys,
               const identity::UserDirectory& users, LiveDocuments& live, RateLimiter& rateLimiter, const Clock& clock)
    : store_(store),
      service_(service),
      access_(access),
      keys_(keys),
      users_(users),
      live_(live),
      rateLimiter_(rateLimiter),
      clock_(clock) {}

namespace {
// Every answer of this module but the public keys names tickets, codes or QR payloads, which
// admit a person: no shared cache may keep one, and no browser may guess its type.
Handler privateAnswer(Handler handler) {
  return [handler = std::move(handler)](const Request& request, RequestContext& ctx) {
    auto response = handler(request, ctx);
    response.headers["Cache-Control"] = "private, no-store";
    response.headers["X-Content-Type-Options"] = "nosniff";
    return response;
  };
}
}  // namespace

namespace {

namespace api = openapi;

api::Parameter ticketId() { return {"id", api::uuid(), "The ticket's id."}; }
api::Parameter eventId() { return {"id", api::uuid(), "The event's id."}; }

api::Parameter statusParameter() {
  return {"status", api::enumeration({status::valid, status::checkedIn, status::voided, status::transferred}),
          "Only tickets in this status."};
}

const char* const kMine = "The holder, the event's organizer or an Admin; anyone else gets 404.";
const char* const kManaged = "The event's organizer or an Admin; anyone else gets 404.";
const char* const kScanned = "The event's organizer, an Admin or a scanner of the event; anyone else gets 404.";

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  const std::string m = "tickets";
  const auto signedIn = Access::authenticated();
  defineApiSchemas(router.schemas());
  const auto list = [](const char* name, api::Schema item) {
    return api::object({{name, api::arrayOf(std::move(item))}});
  };
  router.add(Method::Get, "/api/v1/tickets", m, signedIn, privateAnswer(bindRoute(this, &Routes::listOwn)))
      .describe(
          {.summary = "Your tickets",
           .query = api::pageParameters({{"eventId", api::uuid(), "Only tickets for this event."}, statusParameter()}),
           .responses = {{200, "One page of tickets", api::pageOf(api::ref("Ticket"))}}});
  router
      .add(Method::Get, "/api/v1/tickets/transfers", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::listTransfers)))
      .describe({.summary = "Transfers you started, newest first (the latest 100)",
                 .responses = {{200, "Your transfers", list("items", api::ref("TicketTransfer"))}}});
  router.add(Method::Post, "/api/v1/tickets/claims", m, signedIn, privateAnswer(bindRoute(this, &Routes::claim)))
      .describe(
          {.summary = "Claim a ticket passed to you, with the token from the claim email",
           .body = api::object({{"token", api::string(1, 200)}}),
           .responses = {{201, "Your new ticket (Location: its URL); the old one is Transferred", api::ref("Ticket")}},
           .problems = {"validation", "claim-not-found", "transfer-settled", "ticket-not-valid", "event-over"}});
  router
      .add(Method::Post, "/api/v1/tickets/transfers/{id}/cancel", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::cancelTransfer)))
      .describe({.summary = "Take back a transfer nobody has claimed yet",
                 .path = {{"id", api::uuid(), "The transfer's id."}},
                 .responses = {{200, "The transfer, Cancelled", api::ref("TicketTransfer")}},
                 .problems = {"transfer-not-found", "transfer-settled"}});
  router.add(Method::Get, "/api/v1/tickets/{id}", m, signedIn, privateAnswer(bindRoute(this, &Routes::getTicket)))
      .describe({.summary = "One ticket",
                 .description = kMine,
                 .path = {ticketId()},
                 .responses = {{200, "The ticket", api::ref("Ticket")}},
                 .problems = {"ticket-not-found"}});
  router.add(Method::Get, "/api/v1/tickets/{id}/qr.svg", m, signedIn, privateAnswer(bindRoute(this, &Routes::qrSvg)))
      .describe({.summary = "The ticket's QR code as SVG",
                 .description = kMine,
                 .path = {ticketId()},
                 .responses = {{200, "The QR code", std::nullopt, {"image/svg+xml"}}},
                 .problems = {"ticket-not-found", "ticket-not-valid"}});
  router.add(Method::Get, "/api/v1/tickets/{id}/qr.png", m, signedIn, privateAnswer(bindRoute(this, &Routes::qrPng)))
      .describe({.summary = "The ticket's QR code as PNG",
                 .description = kMine,
                 .path = {ticketId()},
                 .query = {{"scale", api::integer(1, 32), "Pixels per module (default 8)."}},
                 .responses = {{200, "The QR code", std::nullopt, {"image/png"}}},
                 .problems = {"validation", "ticket-not-found", "ticket-not-valid"}});
  router.add(Method::Get, "/api/v1/tickets/{id}/print", m, signedIn, privateAnswer(bindRoute(this, &Routes::print)))
      .describe({.summary = "A printable ticket page (one A4 or Letter sheet, no scripts)",
                 .description = kMine,
                 .path = {ticketId()},
                 .responses = {{200, "The page", std::nullopt, {"text/html"}}},
                 .problems = {"ticket-not-found"}});
  router
      .add(Method::Post, "/api/v1/tickets/{id}/transfer", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::transfer)))
      .describe(
          {.summary = "Pass your ticket to someone else by email",
           .description = "To an account: done at once (200) and the ticket is re-issued to them. To an "
                          "address without one: Pending (202) until they claim it from the email.",
           .path = {ticketId()},
           .body = api::object({{"email", api::string(3, 254)}}),
           .responses = {{200, "Transferred", api::ref("TicketTransfer")},
                         {202, "Pending until claimed", api::ref("TicketTransfer")}},
           .problems = {"validation", "ticket-not-found", "ticket-checked-in", "ticket-voided", "ticket-transferred",
                        "transfers-forbidden", "transfer-to-self", "event-over", "rate-limited"}});

  router
      .add(Method::Get, "/api/v1/events/{id}/tickets", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::eventTickets)))
      .describe({.summary = "Every ticket of an event; with Accept: text/csv the whole list as CSV",
                 .description = kManaged,
                 .path = {eventId()},
                 .query = api::pageParameters({statusParameter()}),
                 .responses = {{200, "One page of tickets, or the CSV", api::pageOf(api::ref("Ticket")), {"text/csv"}}},
                 .problems = {"event-not-found"}});
  router.add(Method::Post, "/api/v1/checkin", m, signedIn, privateAnswer(bindRoute(this, &Routes::checkIn)))
      .describe({.summary = "Admit a ticket at the door, by its code or its QR payload",
                 .description = "The event's organizer, an Admin or a scanner of the event. Of several scans of "
                                "one ticket exactly one admits; a repeat is 409 with when and where it was first "
                                "scanned (checkedInAt, gate) and whose ticket it is (holderName, categoryName).",
                 .body = api::object(
                     {api::optional("code", api::string(1, 32)), api::optional("payload", api::string(1, 512)),
                      api::optional("eventId", api::uuid()), api::optional("gate", api::string(1, 64))}),
                 .responses = {{200, "Admitted", api::ref("Admission")}},
                 .problems = {"validation", "ticket-not-found", "already-checked-in", "ticket-voided",
                              "ticket-transferred", "wrong-event", "invalid-ticket-signature"}});
  router
      .add(Method::Get, "/api/v1/events/{id}/checkin-list", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::checkinList)))
      .describe({.summary = "The event's tickets for an offline door, or what changed since a version",
                 .description = kScanned,
                 .path = {eventId()},
                 .query = {{"since", api::integer(0, INT64_MAX), "A version this list returned (default 0: all)."}},
                 .responses = {{200, "The list", api::ref("CheckinList")}},
                 .problems = {"validation", "event-not-found"}});
  router
      .add(Method::Post, "/api/v1/events/{id}/checkins:sync", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::syncScans)))
      .describe({.summary = "Send the scans an offline door made; the first scan of a ticket wins",
                 .description = kScanned,
                 .path = {eventId()},
                 .body = api::object({{"scans",
                                       [] {
                                         auto scans =
                                             api::arrayOf(api::object({{"ticketId", api::uuid()},
                                                                       {"scannedAt", api::dateTime()},
                                                                       api::optional("gate", api::string(1, 64))}));
                                         scans["maxItems"] = kMaxSyncScans;
                                         return scans;
                                       }()}}),
                 .responses = {{200, "What became of each scan", api::ref("SyncResult")}},
                 .problems = {"validation", "event-not-found"}});
  router
      .add(Method::Get, "/api/v1/events/{id}/checkin-stats", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::checkinStats)))
      .describe(
          {.summary = "Sold and admitted per category, and admissions per 5 minutes; live on request",
           .description = "With Accept: text/event-stream (or a WebSocket upgrade) the document again on "
                          "every change.",
           .path = {eventId()},
           .responses = {{200, "The statistics, or a stream of them", api::ref("CheckinStats"), {"text/event-stream"}}},
           .problems = {"event-not-found"}});
  router
      .add(Method::Get, "/api/v1/events/{id}/scanners", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::listScanners)))
      .describe({.summary = "Who may scan tickets of the event",
                 .description = kManaged,
                 .path = {eventId()},
                 .responses = {{200, "The scanners", list("items", api::ref("Scanner"))}},
                 .problems = {"event-not-found"}});
  router
      .add(Method::Post, "/api/v1/events/{id}/scanners", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::grantScanner)))
      .describe(
          {.summary = "Let an account scan tickets of the event",
           .description = kManaged,
           .path = {eventId()},
           .body = api::object({{"email", api::string(3, 254)}}),
           .responses = {{201, "Granted", api::ref("Scanner")}, {200, "Was granted already", api::ref("Scanner")}},
           .problems = {"validation", "event-not-found", "user-not-found"}});
  router
      .add(Method::Get, "/api/v1/admission/grants", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::myScannerGrants)))
      .describe({.summary = "The events the caller was made a scanner of",
                 .description = "Only the caller's own grants, newest first (an event's organizer and Admins "
                                "scan without one). The door page lists these.",
                 .query = api::pageParameters({}),
                 .responses = {{200, "The caller's grants", api::pageOf(api::ref("ScannerGrant"))}},
                 .problems = {"validation"}});
  router
      .add(Method::Delete, "/api/v1/events/{id}/scanners/{userId}", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::revokeScanner)))
      .describe({.summary = "Stop an account scanning tickets of the event",
                 .description = kManaged,
                 .path = {eventId(), {"userId", api::uuid(), "The scanner's user id."}},
                 .responses = {{204, "Revoked"}},
                 .problems = {"event-not-found", "not-found"}});
  router
      .add(Method::Get, "/api/v1/events/{id}/admission", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::getSettings)))
      .describe({.summary = "The event's admission settings",
                 .description = kManaged,
                 .path = {eventId()},
                 .responses = {{200, "The settings (ETag)", api::ref("AdmissionSettings")}},
                 .problems = {"event-not-found"}});
  router
      .add(Method::Put, "/api/v1/events/{id}/admission", m, signedIn,
           privateAnswer(bindRoute(this, &Routes::putSettings)))
      .describe({.summary = "Allow or forbid ticket transfers for the event",
                 .description = kManaged,
                 .path = {eventId()},
                 .headers = {api::ifMatchHeader(true)},
                 .body = api::object({{"transfersAllowed", api::boolean()}}),
                 .responses = {{200, "The settings as changed (ETag)", api::ref("AdmissionSettings")}},
                 .problems = {"validation", "event-not-found", "precondition-required", "precondition-failed"}});
  router.add(Method::Get, "/api/v1/admission/keys", m, Access::anyone(), bindRoute(this, &Routes::publicKeys))
      .describe({.summary = "The public keys that verify ticket QR codes (JWK, Ed25519)",
                 .description = "Retired keys stay listed while an event they signed tickets for has not ended.",
                 .query = {{"organizerId", api::uuid(), "Only this organizer's keys."}},
                 .responses = {{200, "The keys", list("keys", api::ref("AdmissionKey"))}},
                 .problems = {"validation"}});
  router
      .add(Method::Post, "/api/v1/admission/keys/rotate", m, Access::require(Permission::SystemManage),
           bindRoute(this, &Routes::rotateKey))
      .describe(
          {.summary = "Give an organizer a new signing key; the old one still verifies (Admin)",
           .body = api::object({{"organizerId", api::uuid()}}),
           .responses = {{201, "The new key", api::object({{"organizerId", api::uuid()}, {"keyId", api::string()}})}},
           .problems = {"validation", "user-not-found"}});
}

Ticket Routes::visibleTicket(const Request& request, RequestContext& ctx) const {
  const auto& id = request.param("id");
  const auto& caller = ctx.caller();
  auto ticket = isUuid(id) ? store_.read([&](soci::session& sql) { return store::findTicket(sql, id); }) : std::nullopt;
  // Another person's ticket is not there for you (404, never 403).
  if (!ticket || (ticket->holderUserId != caller.userId && !access_.manages(caller, ticket->eventId))) {
    throw problems::ticketNotFound();
  }
  return *ticket;
}

Response Routes::listOwn(const Request& request, RequestContext& ctx) {
  json::Validation validation;
  store::TicketFilter filter;
  filter.holderUserId = ctx.caller().userId;
  if (auto eventId = request.queryParam("eventId")) {
    if (!isUuid(*eventId)) validation.add("eventId", "must be a UUID");
    filter.eventId = eventId;
  }
  filter.status = statusFilter(request, validation);
  return ticketPage(request, filter, validation);
}

Response Routes::ticketPage(const Request& request, const store::TicketFilter& filter,
                            json::Validation& validation) const {
  auto page = parsePageRequest(request);
  validation.throwIfAny();
  std::int64_t total = 0;
  auto tickets = store_.read([&](soci::session& sql) { return store::listTickets(sql, filter, page, total); });
  boost::json::array items;
  for (const auto& t : tickets) items.push_back(ticketJson(t));
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
}

Response Routes::getTicket(const Request& request, RequestContext& ctx) {
  return Response::json(200, json::serialize(ticketJson(visibleTicket(request, ctx))));
}

Response Routes::qrSvg(const Request& request, RequestContext& ctx) {
  auto ticket = visibleTicket(request, ctx);
  if (ticket.status != status::valid && ticket.status != status::checkedIn) throw problems::notPrintable(ticket.status);
  return body("image/svg+xml", renderSvg(encodeQr(ticket.payload)));
}

Response Routes::qrPng(const Request& request, RequestContext& ctx) {
  json::Validation validation;
  std::int64_t scale = kDefaultPngScale;
  if (auto text = request.queryParam("scale")) {
    if (auto parsed = parseBoundedInt(*text, 1, 32)) {
      scale = *parsed;
    } else {
      validation.add("scale", "must be an integer between 1 and 32");
    }
  }
  validation.throwIfAny();
  auto ticket = visibleTicket(request, ctx);
  if (ticket.status != status::valid && ticket.status != status::checkedIn) throw problems::notPrintable(ticket.status);
  return body("image/png", renderPng(encodeQr(ticket.payload), static_cast<int>(scale)));
}

Response Routes::print(const Request& request, RequestContext& ctx) {
  auto ticket = visibleTicket(request, ctx);
  auto event = access_.event(ticket.eventId);
  PrintableTicket page;
  page.ticketId = ticket.ticketId;
  page.code = ticket.code;
  page.status = ticket.status;
  page.categoryName = ticket.categoryName;
  page.holderName = ticket.holderName;
  if (event) {
    page.eventName = event->name;
    page.venueName = event->venue.name;
    page.venueAddress = event->venue.address;
    page.venueCity = event->venue.city;
    page.venueCountry = event->venue.country;
    page.startsAt = event->startsAt;
    page.timezone = event->timezone;
  }
  // A ticket that no longer admits is printed without its QR code, under a banner saying so.
  if (ticket.status == status::valid || ticket.status == status::checkedIn) {
    page.qrSvg = renderSvg(encodeQr(ticket.payload));
  }
  auto response = body("text/html; charset=utf-8", renderPrintPage(page));
  // The page is ours alone: no script runs, nothing is fetched from elsewhere.
  response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  return response;
}

Response Routes::transfer(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto email = requiredEmail(in);
  in.rejectUnknown();
  validation.throwIfAny();
  const auto& id = request.param("id");
  if (!isUuid(id)) throw problems::ticketNotFound();
  // Every transfer to an address without an account emails it: bounded per holder, so the claim
  // email cannot be used to flood someone's inbox.
  auto decision = rateLimiter_.consume(kTransferPolicy, ctx.caller().userId);
  if (!decision.allowed) {
    throw Problem::rateLimited("You have started too many transfers; try again later.", decision.retryAfter);
  }
  auto outcome = service_.transfer(ctx.caller(), id, email, ctx.correlationId);
  return Response::json(outcome.transfer.status == "Pending" ? 202 : 200,
                        json::serialize(transferJson(outcome.transfer)));
}

Response Routes::claim(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto token = in.requiredString("token", 1, 200);
  in.rejectUnknown();
  validation.throwIfAny();
  auto ticket = service_.claim(ctx.caller(), token, ctx.correlationId);
  return Response::json(201, json::serialize(ticketJson(ticket)))
      .with("Location", "/api/v1/tickets/" + ticket.ticketId);
}

Response Routes::cancelTransfer(const Request& request, RequestContext& ctx) {
  const auto& id = request.param("id");
  if (!isUuid(id)) throw problems::transferNotFound();
  return Response::json(200,
                        json::serialize(transferJson(service_.cancelTransfer(ctx.caller(), id, ctx.correlationId))));
}

Response Routes::listTransfers(const Request& /*request*/, RequestContext& ctx) {
  constexpr int kLimit = 100;
  auto transfers =
      store_.read([&](soci::session& sql) { return store::transfersFrom(sql, ctx.caller().userId, kLimit); });
  boost::json::array items;
  for (const auto& t : transfers) items.push_back(transferJson(t));
  return Response::json(200, json::serialize(boost::json::object{{"items", std::move(items)}}));
}

}  // namespace boxoffice::tickets
