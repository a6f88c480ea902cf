#include "routes.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/openapi_describe.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "boxoffice/kernel/time.hpp"
#include "problems.hpp"
#include "rules.hpp"
#include "store.hpp"

namespace boxoffice::inventory {

namespace {

constexpr const char* kModule = "inventory";
constexpr int kMaxTicketsPerRequest = 100;  // more than this in one hold is a mistake, not a purchase

bool isOwnerOrAdmin(const Snapshot& snapshot, const RequestContext& context) {
  const auto& caller = context.principal;
  return managedBy(snapshot.organizerId, caller ? std::string_view(caller->userId) : std::string_view(),
                   caller && caller->isAdmin());
}

// The snapshot a caller may see (rules.hpp: visibleTo).
std::shared_ptr<const Snapshot> visibleSnapshot(Engine& engine, const std::string& eventId,
                                                const RequestContext& context) {
  auto snapshot = isUuid(eventId) ? engine.snapshot(eventId) : nullptr;
  if (!snapshot) throw problems::eventNotFound(eventId);
  if (!visibleTo(snapshot->status, isOwnerOrAdmin(*snapshot, context))) throw problems::eventNotFound(eventId);
  return snapshot;
}

http::Response render(const Outcome& outcome, const std::string& instance) {
  if (outcome.problem) return toResponse(*outcome.problem, instance);
  auto response = http::Response::json(outcome.status, boost::json::serialize(outcome.body));
  if (outcome.replayed) idempotency::markReplayed(response);
  return response;
}

std::string reservationIdFrom(const http::Request& request) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto id = in.requiredString("reservationId", 36, 36);
  if (validation.ok() && !isUuid(id)) validation.add("reservationId", "must be a UUID");
  in.rejectUnknown();
  validation.throwIfAny();
  return id;
}

// A category holds at least one seat (the events module's minimum) and never more than a venue.
constexpr std::int64_t kMaxSeats = 1'000'000;

// The body of PUT /inventory/{eventId}/capacity: one {categoryId, totalSeats} or {categories: [...]}.
CapacityCommand capacityCommandFrom(const http::Request& request) {
  auto body = json::parseObjectBody(request);
  CapacityCommand command;
  command.eventId = request.param("eventId");
  json::Validation validation;
  json::ObjectReader in(body, validation);
  if (in.has("categories")) {
    if (const auto* items = in.requiredArray("categories", 100)) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        std::string path = "categories[" + std::to_string(i) + "]";
        if (!(*items)[i].is_object()) {
          validation.add(path, "must be an object");
          continue;
        }
        json::ObjectReader item((*items)[i].as_object(), validation, path);
        CapacityCommand::Change change;
        change.categoryId = item.requiredString("categoryId", 1, 64);
        change.totalSeats = static_cast<int>(item.requiredInt("totalSeats", 1, kMaxSeats));
        item.rejectUnknown();
        for (std::size_t earlier = 0; earlier < command.changes.size(); ++earlier) {
          if (!change.categoryId.empty() && command.changes[earlier].categoryId == change.categoryId) {
            validation.add(path + ".categoryId",
                           "names the same category as categories[" + std::to_string(earlier) + "]");
          }
        }
        command.changes.push_back(std::move(change));
      }
      if (items->empty()) validation.add("categories", "must not be empty");
    }
  } else {
    CapacityCommand::Change change;
    change.categoryId = in.requiredString("categoryId", 1, 64);
    change.totalSeats = static_cast<int>(in.requiredInt("totalSeats", 1, kMaxSeats));
    command.changes.push_back(std::move(change));
  }
  in.rejectUnknown();
  validation.throwIfAny();
  return command;
}

}  // namespace

namespace {

namespace api = openapi;

// The shapes these routes answer: the availability document (Engine::render, plus what owners
// see), a reservation (messages::ReservationState, so its schema comes from the struct) and an
// audit entry (store::listAudit).
void defineApiSchemas(api::Components& components) {
  components.define("Reservation", api::schemaOf<messages::ReservationState>());
  components.define(
      "Availability",
      api::object(
          {{"eventId", api::uuid()},
           {"eventName", api::string()},
           {"status", api::enumeration({"Draft", "Published", "Cancelled", "Completed"})},
           {"totalCapacity", api::integer()},
           {"availableTickets", api::integer()},
           {"reservedTickets", api::integer()},
           {"soldTickets", api::integer()},
           {"priceCategories", api::arrayOf(api::object({{"categoryId", api::string()},
                                                         {"categoryName", api::string()},
                                                         {"price", api::schemaOf<Money>()},
                                                         {"totalSeats", api::integer()},
                                                         {"availableSeats", api::integer()},
                                                         {"reservedSeats", api::integer()},
                                                         {"soldSeats", api::integer()}}))},
           {"version", api::described(api::integer(), "Also the ETag.")},
           {"updatedAt", api::dateTime()},
           api::optional("inventoryRules",
                         api::described(api::object({{"maxTicketsPerUser", api::integer()},
                                                     {"reservationTimeoutMinutes", api::integer()},
                                                     {"lowInventoryThreshold", api::integer()},
                                                     {"lastMinuteReservationMinutes", api::integer()}}),
                                        "The organizer and Admins only.")),
           api::optional("reservations", api::described(api::arrayOf(api::ref("Reservation")),
                                                        "The organizer and Admins only: the latest 100 holds.")),
           api::optional("reservationsTotal", api::integer())}));
  components.define("InventoryAuditEntry", api::object({{"sequence", api::integer()},
                                                        {"action", api::string()},
                                                        {"userId", api::string()},
                                                        {"reservationId", api::nullable(api::uuid())},
                                                        {"categoryId", api::nullable(api::string())},
                                                        {"ticketCount", api::integer()},
                                                        {"availableAfter", api::integer()},
                                                        {"reservedAfter", api::integer()},
                                                        {"soldAfter", api::integer()},
                                                        {"timestamp", api::dateTime()},
                                                        {"correlationId", api::string()}}));
}

api::Parameter eventIdParameter(const char* name = "eventId") { return {name, api::uuid(), "The event's id."}; }

api::Operation reserveDescription(const char* idName) {
  return {.summary = "Hold seats of one price category for a few minutes",
          .description =
              "The hold expires at expiresAt unless an order confirms it. Answered once the hold is "
              "durable. The same Idempotency-Key with the same body answers the first hold again.",
          .path = {eventIdParameter(idName)},
          .headers = {api::idempotencyKeyHeader()},
          .body = api::object({{"categoryId", api::string(1, 64)},
                               {"ticketCount", api::integer(1, kMaxTicketsPerRequest)},
                               api::optional("sessionId", api::string(1, 128))}),
          .responses = {{201, "The hold (Location: its URL)", api::ref("Reservation")}},
          .problems = {"validation", "event-not-found", "event-not-on-sale", "not-enough-seats", "per-user-limit",
                       "too-close-to-start", "idempotency-key-reused", "inventory-owner-unavailable"}};
}

const std::vector<std::string> kHoldProblems{
    "validation",           "event-not-found",      "reservation-not-found",
    "reservation-expired",  "reservation-released", "reservation-confirmed",
    "reservation-in-order", "inventory-engine",     "inventory-owner-unavailable"};

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  using http::Method;
  defineApiSchemas(router.schemas());
  auto reservationIdBody = api::object({{"reservationId", api::uuid()}});
  router
      .addAsync(Method::Get, "/api/v1/inventory/{eventId}", kModule, Access::optionalUser(),
                bindRoute(this, &Routes::availability), Execution::IoThread)
      .describe({.summary = "Seats per price category: total, available, held, sold",
                 .description = "Served from memory. The event's organizer and Admins also get the rules and the "
                                "latest holds. 304 to a matching If-None-Match.",
                 .path = {eventIdParameter()},
                 .responses = {{200, "The availability (ETag: its version)", api::ref("Availability")}},
                 .problems = {"event-not-found"}});
  router
      .addAsync(Method::Post, "/api/v1/inventory/{eventId}/reserve", kModule,
                Access::require(Permission::TicketsPurchase), bindRoute(this, &Routes::reserve), Execution::IoThread)
      .describe(reserveDescription("eventId"));
  router
      .addAsync(Method::Post, "/api/v1/concerts/{id}/reserve", kModule, Access::require(Permission::TicketsPurchase),
                bindRoute(this, &Routes::reserveConcert), Execution::IoThread)
      .describe(reserveDescription("id"));
  router
      .addAsync(Method::Post, "/api/v1/inventory/{eventId}/confirm", kModule,
                Access::require(Permission::InventoryManage), bindRoute(this, &Routes::confirm), Execution::IoThread)
      .describe({.summary = "Sell a hold's seats (the checkout saga does this for orders)",
                 .path = {eventIdParameter()},
                 .body = reservationIdBody,
                 .responses = {{200, "The hold, Confirmed", api::ref("Reservation")}},
                 .problems = kHoldProblems});
  router
      .addAsync(Method::Post, "/api/v1/inventory/{eventId}/release", kModule, Access::authenticated(),
                bindRoute(this, &Routes::release), Execution::IoThread)
      .describe({.summary = "Give a hold's seats back",
                 .description = "The holder, the event's organizer or an Admin; anyone else gets 404.",
                 .path = {eventIdParameter()},
                 .body = reservationIdBody,
                 .responses = {{200, "The hold, Cancelled", api::ref("Reservation")}},
                 .problems = kHoldProblems});
  router
      .addAsync(Method::Put, "/api/v1/inventory/{eventId}/capacity", kModule, Access::require(Permission::EventsUpdate),
                bindRoute(this, &Routes::changeCapacity), Execution::IoThread)
      .describe(
          {.summary = "Change the seats of one or more price categories",
           .description = "Keeps the events module's rules (1 to 1,000,000 seats per category, all within the "
                          "event's maxCapacity, never below the seats held or sold); the events module adopts "
                          "the change. Body: {categoryId, totalSeats} or {categories: [...]}.",
           .path = {eventIdParameter()},
           .headers = {api::ifMatchHeader(true)},
           .body = api::object(
               {api::optional("categoryId", api::string(1, 64)),
                api::optional("totalSeats", api::integer(1, kMaxSeats)),
                api::optional("categories", api::arrayOf(api::object({{"categoryId", api::string(1, 64)},
                                                                      {"totalSeats", api::integer(1, kMaxSeats)}})))}),
           .responses = {{200, "The availability after the change (ETag)", api::ref("Availability")}},
           .problems = {"validation", "event-not-found", "precondition-required", "precondition-failed",
                        "capacity-below-committed", "capacity-unknown", "inventory-owner-unavailable"}});
  router
      .add(Method::Get, "/api/v1/inventory/{eventId}/status", kModule, Access::optionalUser(),
           bindRoute(this, &Routes::status), Execution::IoThread)
      .describe(
          {.summary = "Live availability: the document now, then again on every change",
           .description = "Plain GET: the availability once. With Accept: text/event-stream, a Server-Sent "
                          "Events stream; with a WebSocket upgrade, one text message per change.",
           .path = {eventIdParameter()},
           .responses = {{200, "The availability, or a stream of it", api::ref("Availability"), {"text/event-stream"}}},
           .problems = {"event-not-found"}});
  router
      .add(Method::Get, "/api/v1/inventory/{eventId}/audit", kModule, Access::require(Permission::InventoryViewOwn),
           bindRoute(this, &Routes::audit))
      .describe({.summary = "Every change to the event's seats, newest first (organizer, Admin)",
                 .path = {eventIdParameter()},
                 .query = api::pageParameters(),
                 .responses = {{200, "One page of entries", api::pageOf(api::ref("InventoryAuditEntry"))}},
                 .problems = {"event-not-found", "forbidden"}});
  router
      .add(Method::Get, "/api/v1/inventory/{eventId}/reservations/{reservationId}", kModule, Access::authenticated(),
           bindRoute(this, &Routes::reservation))
      .describe({.summary = "One hold",
                 .description = "The holder, the event's organizer or an Admin; anyone else gets 404.",
                 .path = {eventIdParameter(), {"reservationId", api::uuid(), "The hold's id."}},
                 .responses = {{200, "The hold", api::ref("Reservation")}},
                 .problems = {"event-not-found", "reservation-not-found"}});
}

void Routes::submit(Command command, const http::Request& request, const RequestContext& ctx, Respond respond,
                    std::function<void(const Outcome&, http::Response&)> decorate) {
  ctx.caller();  // every command has a signed-in caller (401 otherwise)
  if (ownership_ != nullptr && !ownership_->ownedHere()) {
    // Checked before it travels: a bad request is answered here. One that was forwarded to this
    // instance already is never forwarded again (the owner changed on the way): no loops.
    if (request.header(kForwardedByHeader)) return respond(toResponse(problems::ownerUnavailable(), request.path));
    ownership_->forward(request,
                        [respond = std::move(respond), instance = request.path](std::optional<http::Response> answer) {
                          respond(answer ? std::move(*answer) : toResponse(problems::ownerUnavailable(), instance));
                        });
    return;
  }
  engine_.submit(
      std::move(command), ctx.actor(),
      [respond = std::move(respond), instance = request.path, decorate = std::move(decorate)](const Outcome& outcome) {
        auto response = render(outcome, instance);
        if (decorate && !outcome.problem) decorate(outcome, response);
        respond(std::move(response));
      });
}

void Routes::reserve(const http::Request& request, const RequestContext& ctx, Respond respond) {
  reserveAt(request.param("eventId"), request, ctx, std::move(respond));
}

void Routes::reserveConcert(const http::Request& request, const RequestContext& ctx, Respond respond) {
  reserveAt(request.param("id"), request, ctx, std::move(respond));
}

void Routes::reserveAt(const std::string& eventId, const http::Request& request, const RequestContext& ctx,
                       Respond respond) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  ReserveCommand command;
  command.eventId = eventId;
  command.categoryId = in.requiredString("categoryId", 1, 64);
  command.ticketCount = static_cast<int>(in.requiredInt("ticketCount", 1, kMaxTicketsPerRequest));
  command.sessionId = in.optionalString("sessionId", 1, 128).value_or("");
  in.rejectUnknown();
  command.idempotencyKey = idempotency::keyFrom(request, validation).value_or("");
  validation.throwIfAny();
  if (!isUuid(eventId)) throw problems::eventNotFound(eventId);
  // What was asked, so the same key with another body is refused (422). The fields and their
  // order are those of the records stored before the kernel kept them: old keys still replay.
  command.requestHash =
      idempotency::fingerprint({eventId, command.categoryId, std::to_string(command.ticketCount), command.sessionId});
  if (command.sessionId.empty()) command.sessionId = ctx.requestId;
  std::string location = "/api/v1/inventory/" + eventId + "/reservations/";
  submit(std::move(command), request, ctx, std::move(respond),
         [location](const Outcome& outcome, http::Response& response) {
           response.headers["Location"] = location + std::string(outcome.body.at("reservationId").as_string());
         });
}

// The availability document from memory; owners and Admins also get the rules and the latest
// holds, read from the database on a worker.
void Routes::availability(const http::Request& request, const RequestContext& ctx, Respond respond) {
  auto snapshot = visibleSnapshot(engine_, request.param("eventId"), ctx);
  auto etag = etagOf(snapshot->version);
  if (notModified(request, etag)) return respond(notModifiedResponse(etag));
  if (!isOwnerOrAdmin(*snapshot, ctx)) {
    http::Response response = http::Response::json(200, snapshot->json);
    response.headers["ETag"] = etag;
    response.headers["Cache-Control"] = "no-cache";
    return respond(std::move(response));
  }
  ctx.offload([&store = store_, snapshot, etag, respond = std::move(respond)] {
    auto document = boost::json::parse(snapshot->json).as_object();
    const auto& rules = snapshot->rules;
    document["inventoryRules"] = {{"maxTicketsPerUser", rules.maxTicketsPerUser},
                                  {"reservationTimeoutMinutes", rules.reservationTimeoutMinutes},
                                  {"lowInventoryThreshold", rules.lowInventoryThreshold},
                                  {"lastMinuteReservationMinutes", rules.lastMinuteReservationMinutes}};
    auto [holds, total] = store.read([&](soci::session& sql) {
      return std::make_pair(store::listReservations(sql, snapshot->eventId, 100, 0),
                            store::countReservations(sql, snapshot->eventId));
    });
    boost::json::array reservations;
    for (const auto& r : holds) reservations.push_back(toJson(r));
    document["reservations"] = std::move(reservations);
    document["reservationsTotal"] = total;
    http::Response response = http::Response::json(200, boost::json::serialize(document));
    response.headers["ETag"] = etag;
    response.headers["Cache-Control"] = "no-cache";
    respond(std::move(response));
  });
}

void Routes::confirm(const http::Request& request, const RequestContext& ctx, Respond respond) {
  ConfirmCommand command{request.param("eventId"), reservationIdFrom(request)};
  submit(std::move(command), request, ctx, std::move(respond));
}

void Routes::release(const http::Request& request, const RequestContext& ctx, Respond respond) {
  ReleaseCommand command{request.param("eventId"), reservationIdFrom(request)};
  submit(std::move(command), request, ctx, std::move(respond));
}

void Routes::changeCapacity(const http::Request& request, const RequestContext& ctx, Respond respond) {
  auto command = capacityCommandFrom(request);
  command.ifMatch = IfMatch::required(request, "Send If-Match with the inventory's ETag (from GET).");
  submit(std::move(command), request, ctx, std::move(respond),
         [](const Outcome& outcome, http::Response& response) { response.headers["ETag"] = etagOf(outcome.version); });
}

http::Response Routes::status(const http::Request& request, RequestContext& ctx) {
  auto snapshot = visibleSnapshot(engine_, request.param("eventId"), ctx);
  http::Response response = http::Response::json(200, snapshot->json);
  response.headers["ETag"] = etagOf(snapshot->version);
  if (request.isWebSocketUpgrade() || request.acceptsEventStream()) {
    response.push = request.isWebSocketUpgrade() ? http::PushKind::WebSocket : http::PushKind::ServerSentEvents;
    response.onOpen = [&live = live_, eventId = snapshot->eventId](std::shared_ptr<http::PushChannel> channel) {
      live.watch(eventId, std::move(channel));
    };
  }
  return response;
}

http::Response Routes::audit(const http::Request& request, RequestContext& ctx) {
  auto snapshot = visibleSnapshot(engine_, request.param("eventId"), ctx);
  if (!isOwnerOrAdmin(*snapshot, ctx)) throw problems::notOwner();
  auto page = parsePageRequest(request);
  auto [items, total] = store_.read([&](soci::session& sql) {
    return std::make_pair(store::listAudit(sql, snapshot->eventId, page.size, page.offset()),
                          store::countAudit(sql, snapshot->eventId));
  });
  return http::Response::json(200, boost::json::serialize(pageEnvelope(std::move(items), page, total)));
}

http::Response Routes::reservation(const http::Request& request, RequestContext& ctx) {
  auto snapshot = visibleSnapshot(engine_, request.param("eventId"), ctx);
  const auto& id = request.param("reservationId");
  auto found = store_.read([&](soci::session& sql) { return store::findReservation(sql, id); });
  bool mayRead = found && found->eventId == snapshot->eventId &&
                 (found->userId == ctx.caller().userId || isOwnerOrAdmin(*snapshot, ctx));
  if (!mayRead) throw problems::reservationNotFound(id);
  return http::Response::json(200, boost::json::serialize(toJson(*found)));
}

}  // namespace boxoffice::inventory
