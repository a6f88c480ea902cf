#include "routes.hpp"

#include <boost/json.hpp>

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

void Routes::registerAll(Router& router) {
  using auth::Permission;
  const std::string m = "tickets";
  const auto signedIn = Access::authenticated();
  router.add(Method::Get, "/api/v1/tickets", m, signedIn, privateAnswer(bindRoute(this, &Routes::listOwn)));
  router.add(Method::Get, "/api/v1/tickets/transfers", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::listTransfers)));
  router.add(Method::Post, "/api/v1/tickets/claims", m, signedIn, privateAnswer(bindRoute(this, &Routes::claim)));
  router.add(Method::Post, "/api/v1/tickets/transfers/{id}/cancel", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::cancelTransfer)));
  router.add(Method::Get, "/api/v1/tickets/{id}", m, signedIn, privateAnswer(bindRoute(this, &Routes::getTicket)));
  router.add(Method::Get, "/api/v1/tickets/{id}/qr.svg", m, signedIn, privateAnswer(bindRoute(this, &Routes::qrSvg)));
  router.add(Method::Get, "/api/v1/tickets/{id}/qr.png", m, signedIn, privateAnswer(bindRoute(this, &Routes::qrPng)));
  router.add(Method::Get, "/api/v1/tickets/{id}/print", m, signedIn, privateAnswer(bindRoute(this, &Routes::print)));
  router.add(Method::Post, "/api/v1/tickets/{id}/transfer", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::transfer)));

  router.add(Method::Get, "/api/v1/events/{id}/tickets", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::eventTickets)));
  router.add(Method::Post, "/api/v1/checkin", m, signedIn, privateAnswer(bindRoute(this, &Routes::checkIn)));
  router.add(Method::Get, "/api/v1/events/{id}/checkin-list", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::checkinList)));
  router.add(Method::Post, "/api/v1/events/{id}/checkins:sync", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::syncScans)));
  router.add(Method::Get, "/api/v1/events/{id}/checkin-stats", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::checkinStats)));
  router.add(Method::Get, "/api/v1/events/{id}/scanners", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::listScanners)));
  router.add(Method::Post, "/api/v1/events/{id}/scanners", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::grantScanner)));
  router.add(Method::Delete, "/api/v1/events/{id}/scanners/{userId}", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::revokeScanner)));
  router.add(Method::Get, "/api/v1/events/{id}/admission", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::getSettings)));
  router.add(Method::Put, "/api/v1/events/{id}/admission", m, signedIn,
             privateAnswer(bindRoute(this, &Routes::putSettings)));
  router.add(Method::Get, "/api/v1/admission/keys", m, Access::anyone(), bindRoute(this, &Routes::publicKeys));
  router.add(Method::Post, "/api/v1/admission/keys/rotate", m, Access::require(Permission::SystemManage),
             bindRoute(this, &Routes::rotateKey));
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
