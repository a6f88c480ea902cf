// Routes of the door and the back office: check-in, offline lists and sync, statistics, scanner
// grants, admission settings, and the public keys a scanner verifies QR codes with.
#include <boost/json.hpp>
#include <map>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/sql_where.hpp"
#include "boxoffice/kernel/time.hpp"
#include "print_page.hpp"
#include "problems.hpp"
#include "routes.hpp"
#include "stats.hpp"
#include "store.hpp"

namespace boxoffice::tickets {

namespace {

using http::Request;
using http::Response;

std::string gateOf(json::ObjectReader& in) { return in.optionalString("gate", 1, 64).value_or("main"); }

bool wantsCsv(const Request& request) {
  auto accept = request.header("Accept");
  return accept && accept->find("text/csv") != std::string::npos;
}

std::string csvExport(const std::vector<Ticket>& tickets) {
  std::string out = csvRow({"ticketId", "code", "status", "categoryId", "categoryName", "holderName", "holderUserId",
                            "orderId", "issuedAt", "checkedInAt", "gate"});
  for (const auto& t : tickets) {
    out += csvRow({t.ticketId, t.code, t.status, t.categoryId, t.categoryName, t.holderName, t.holderUserId, t.orderId,
                   formatUnixMillis(t.issuedAt), t.checkedInAt ? formatUnixMillis(*t.checkedInAt) : "",
                   t.checkedInGate.value_or("")});
  }
  return out;
}

boost::json::object scannerJson(const Scanner& s) {
  return {{"eventId", s.eventId},
          {"userId", s.userId},
          {"email", s.email},
          {"grantedBy", s.grantedBy},
          {"grantedAt", formatUnixMillis(s.grantedAt)}};
}

boost::json::object settingsJson(const AdmissionSettings& s) {
  return {{"eventId", s.eventId}, {"transfersAllowed", s.transfersAllowed}, {"checkinListVersion", s.listVersion}};
}

}  // namespace

events::EventView Routes::managedEvent(const Request& request, RequestContext& ctx, bool scanners) const {
  const auto& id = request.param("id");
  const auto& caller = ctx.caller();
  auto event = isUuid(id) ? access_.event(id) : std::nullopt;
  // Someone else's event is not there for you (404, never 403).
  if (!event || !(scanners ? access_.scans(caller, id) : EventAccess::manages(caller, *event))) {
    throw problems::eventNotFound(id);
  }
  return *event;
}

Response Routes::eventTickets(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  if (wantsCsv(request)) {
    std::vector<Ticket> all;
    store_.read([&](soci::session& sql) {
      store::forEachTicketOf(sql, event.eventId, 0, [&](const Ticket& t) { all.push_back(t); });
    });
    Response response;
    response.body = csvExport(all);
    response.headers["Content-Type"] = "text/csv; charset=utf-8";
    response.headers["Content-Disposition"] = "attachment; filename=\"tickets-" + event.eventId + ".csv\"";
    return response;
  }
  json::Validation validation;
  store::TicketFilter filter;
  filter.eventId = event.eventId;
  filter.status = statusFilter(request, validation);
  return ticketPage(request, filter, validation);
}

Response Routes::checkIn(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  CheckInAsk ask;
  ask.code = in.optionalString("code", 1, 32);
  ask.payload = in.optionalString("payload", 1, 512);
  ask.eventId = in.optionalString("eventId", 36, 36);
  ask.gate = gateOf(in);
  in.rejectUnknown();
  if (ask.code.has_value() == ask.payload.has_value()) validation.add("code", "give exactly one of code and payload");
  if (ask.eventId && !isUuid(*ask.eventId)) validation.add("eventId", "must be a UUID");
  validation.throwIfAny();
  auto ticket = service_.checkIn(ctx.caller(), ask, ctx.correlationId);
  // What the door needs to let the person in, not the order or the account behind it.
  boost::json::object out{{"admitted", true},
                          {"ticketId", ticket.ticketId},
                          {"eventId", ticket.eventId},
                          {"code", ticket.code},
                          {"categoryId", ticket.categoryId},
                          {"categoryName", ticket.categoryName},
                          {"holderName", ticket.holderName},
                          {"status", ticket.status},
                          {"checkedInAt", formatUnixMillis(ticket.checkedInAt.value_or(0))},
                          {"gate", ticket.checkedInGate.value_or("")}};
  return Response::json(200, json::serialize(out));
}

Response Routes::checkinList(const Request& request, RequestContext& ctx) {
  json::Validation validation;
  std::int64_t since = 0;
  if (auto text = request.queryParam("since")) {
    if (auto parsed = parseBoundedInt(*text, 0, INT64_MAX)) {
      since = *parsed;
    } else {
      validation.add("since", "must be a non-negative integer (a version this list returned)");
    }
  }
  validation.throwIfAny();
  auto event = managedEvent(request, ctx, true);
  boost::json::array tickets;
  auto version = store_.read([&](soci::session& sql) {
    // The version first: a change committed while the list is read is sent again next time, never missed.
    auto v = store::settingsOf(sql, event.eventId).listVersion;
    store::forEachTicketOf(sql, event.eventId, since, [&](const Ticket& t) {
      tickets.push_back({{"ticketId", t.ticketId},
                         {"code", t.code},
                         {"status", t.status},
                         {"categoryId", t.categoryId},
                         {"holderName", t.holderName},
                         {"version", t.listVersion}});
    });
    return v;
  });
  return Response::json(200, json::serialize(boost::json::object{
                                 {"eventId", event.eventId},
                                 {"version", version},
                                 {"since", since},
                                 {"tickets", std::move(tickets)},
                             }));
}

Response Routes::syncScans(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  std::vector<OfflineScan> scans;
  if (const auto* list = in.requiredArray("scans", kMaxSyncScans)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = "scans[" + std::to_string(i) + "]";
      if (!(*list)[i].is_object()) {
        validation.add(path, "must be an object");
        continue;
      }
      json::ObjectReader scan((*list)[i].get_object(), validation, path);
      OfflineScan s;
      s.ticketId = scan.requiredString("ticketId", 36, 36);
      if (!s.ticketId.empty() && !isUuid(s.ticketId)) validation.add(path + ".ticketId", "must be a UUID");
      auto at = scan.requiredString("scannedAt", 1, 40);
      if (auto parsed = parseRfc3339(at)) {
        s.scannedAt = toUnixMillis(*parsed);
      } else if (!at.empty()) {
        validation.add(path + ".scannedAt", "must be an RFC 3339 time in the years 1900 to 2200");
      }
      s.gate = gateOf(scan);
      scan.rejectUnknown();
      scans.push_back(std::move(s));
    }
  }
  in.rejectUnknown();
  validation.throwIfAny();
  const auto& id = request.param("id");
  if (!isUuid(id)) throw problems::eventNotFound(id);
  auto results = service_.sync(ctx.caller(), id, scans, ctx.correlationId);
  boost::json::array out;
  std::int64_t admitted = 0;
  std::int64_t conflicts = 0;
  for (const auto& r : results) {
    boost::json::object item{{"ticketId", r.ticketId}, {"result", r.result}};
    if (r.firstScannedAt)
      item[r.replacedLaterScan ? "replacedScanAt" : "firstScannedAt"] = formatUnixMillis(*r.firstScannedAt);
    if (r.firstGate) item[r.replacedLaterScan ? "replacedGate" : "firstGate"] = *r.firstGate;
    if (r.result == "admitted") ++admitted;
    if (r.result == "duplicate" || r.replacedLaterScan) ++conflicts;
    out.push_back(std::move(item));
  }
  return Response::json(200, json::serialize(boost::json::object{
                                 {"admitted", admitted}, {"conflicts", conflicts}, {"results", std::move(out)}}));
}

Response Routes::checkinStats(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx, true);
  auto document = store_.read([&](soci::session& sql) { return statsDocument(sql, event.eventId); });
  Response response = Response::json(200, document);
  // Live: the same document again whenever a scan, sale or refund changes it (coalesced).
  if (request.isWebSocketUpgrade() || request.acceptsEventStream()) {
    response.push = request.isWebSocketUpgrade() ? http::PushKind::WebSocket : http::PushKind::ServerSentEvents;
    response.onOpen = [&live = live_, eventId = event.eventId, document](std::shared_ptr<http::PushChannel> channel) {
      live.watch(eventId, std::move(channel), document);  // no database read on the io thread
    };
  }
  return response;
}

Response Routes::grantScanner(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto email = in.requiredString("email", 3, 254);
  in.rejectUnknown();
  validation.throwIfAny();
  auto user = users_.findUserByEmail(email);
  if (!user) {
    throw Problem(404, "user-not-found", "No account has this email.",
                  "A scanner signs in with their own account; ask them to sign up first.");
  }
  Scanner scanner{event.eventId, user->id, user->email, ctx.caller().userId, clock_.nowMillis()};
  bool created = store_.write([&](Tx& tx) { return store::insertScanner(tx, scanner); });
  return Response::json(created ? 201 : 200, json::serialize(scannerJson(scanner)));
}

Response Routes::listScanners(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  auto scanners = store_.read([&](soci::session& sql) { return store::scannersOf(sql, event.eventId); });
  boost::json::array items;
  for (const auto& s : scanners) items.push_back(scannerJson(s));
  return Response::json(200, json::serialize(boost::json::object{{"items", std::move(items)}}));
}

// The events an account may scan at because an organizer made it a Scanner there: what the door
// page offers it. Only the caller's own grants; an event gone since is left out of the page.
Response Routes::myScannerGrants(const Request& request, RequestContext& ctx) {
  auto page = parsePageRequest(request);
  std::int64_t total = 0;
  auto grants = store_.read([&](soci::session& sql) { return store::grantsOf(sql, ctx.caller().userId, page, total); });
  boost::json::array items;
  for (const auto& grant : grants) {
    auto event = access_.event(grant.eventId);
    if (!event) continue;
    items.push_back({{"eventId", grant.eventId},
                     {"eventName", event->name},
                     {"eventStatus", event->status},
                     {"startsAt", event->startsAt},
                     {"timezone", event->timezone},
                     {"grantedAt", formatUnixMillis(grant.grantedAt)}});
  }
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), page, total)));
}

Response Routes::revokeScanner(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  const auto& userId = request.param("userId");
  bool removed =
      isUuid(userId) && store_.write([&](Tx& tx) { return store::deleteScanner(tx, event.eventId, userId); });
  if (!removed) throw Problem::notFound("This account is not a scanner of the event.");
  return Response::noContent();
}

Response Routes::getSettings(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  auto settings = store_.read([&](soci::session& sql) { return store::settingsOf(sql, event.eventId); });
  return Response::json(200, json::serialize(settingsJson(settings))).with("ETag", etagOf(settings.version));
}

Response Routes::putSettings(const Request& request, RequestContext& ctx) {
  auto event = managedEvent(request, ctx);
  auto ifMatch = IfMatch::required(request, "Send If-Match with the settings' ETag (from GET).");
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto allowed = in.optionalBool("transfersAllowed");
  if (!allowed && validation.ok()) validation.add("transfersAllowed", "is required");
  in.rejectUnknown();
  validation.throwIfAny();
  auto settings = store_.write([&](Tx& tx) {
    checkIfMatch(ifMatch, store::settingsOf(tx.sql(), event.eventId).version, "admission settings");
    store::setTransfersAllowed(tx, event.eventId, *allowed, clock_.nowMillis());
    return store::settingsOf(tx.sql(), event.eventId);
  });
  return Response::json(200, json::serialize(settingsJson(settings))).with("ETag", etagOf(settings.version));
}

Response Routes::publicKeys(const Request& request, RequestContext& /*ctx*/) {
  auto organizer = request.queryParam("organizerId");
  if (organizer && !isUuid(*organizer)) {
    throw Problem::validation({{"organizerId", "must be a UUID"}});
  }
  const auto now = clock_.nowMillis();
  auto [keys, live] = store_.read([&](soci::session& sql) {
    auto all = KeyRing::allKeys(sql);
    // A retired key is published while an event it signed tickets for has not ended.
    std::map<std::string, bool> stillNeeded;
    for (const auto& k : all) {
      if (!k.retiredAt) continue;
      bool needed = false;
      SqlWhere where;
      where.text("key_id =", k.keyId);
      where.forEachRow(sql, "SELECT DISTINCT event_id FROM tickets" + where.sql() + " LIMIT 1000",
                       [&](const soci::row& row) {
                         if (needed) return;
                         auto event = access_.event(rows::text(row, 0));
                         auto ends = event ? parseRfc3339(event->endsAt) : std::nullopt;
                         needed = ends && toUnixMillis(*ends) > now;
                       });
      stillNeeded[k.keyId] = needed;
    }
    return std::pair(all, stillNeeded);
  });
  boost::json::array out;
  for (const auto& k : keys) {
    if (organizer && k.organizerId != *organizer) continue;
    if (k.retiredAt && !live[k.keyId]) continue;
    boost::json::object jwk{{"kty", "OKP"},
                            {"crv", "Ed25519"},
                            {"alg", "EdDSA"},
                            {"use", "sig"},
                            {"kid", k.keyId},
                            {"x", k.publicKey},
                            {"organizerId", k.organizerId},
                            {"createdAt", formatUnixMillis(k.createdAt)}};
    if (k.retiredAt) jwk["retiredAt"] = formatUnixMillis(*k.retiredAt);
    out.push_back(std::move(jwk));
  }
  auto response = Response::json(200, json::serialize(boost::json::object{{"keys", std::move(out)}}));
  response.headers["Cache-Control"] = "public, max-age=300";
  return response;
}

Response Routes::rotateKey(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto organizerId = in.requiredString("organizerId", 36, 36);
  in.rejectUnknown();
  if (!organizerId.empty() && !isUuid(organizerId)) validation.add("organizerId", "must be a UUID");
  validation.throwIfAny();
  // Only for someone who signs tickets or could: a key for a made-up id would be published as
  // that "organizer's" and could be mistaken for theirs by a scanner.
  bool known = users_.findUser(organizerId) ||
               store_.read([&](soci::session& sql) { return !KeyRing::keysOf(sql, organizerId).empty(); });
  if (!known) throw Problem(404, "user-not-found", "No such account.", "No account or signing key has this id.");
  auto keyId = store_.write([&](Tx& tx) { return keys_.rotate(tx, organizerId, clock_.nowMillis()); });
  ctx.log.info("admission key rotated", {{"organizerId", organizerId}, {"keyId", keyId}});
  return Response::json(201, json::serialize(boost::json::object{{"organizerId", organizerId}, {"keyId", keyId}}));
}

}  // namespace boxoffice::tickets
