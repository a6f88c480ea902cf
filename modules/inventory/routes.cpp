#include "routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/ops_routes.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "problems.hpp"
#include "store.hpp"

namespace boxoffice::inventory {

namespace {

constexpr const char* kModule = "inventory";
constexpr int kMaxTicketsPerRequest = 100;  // more than this in one hold is a mistake, not a purchase

std::string etagOf(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

bool isOwnerOrAdmin(const Snapshot& snapshot, const RequestContext& context) {
  return context.principal && (context.principal->isAdmin() || context.principal->userId == snapshot.organizerId);
}

// The snapshot a caller may see: Draft and deleted events are invisible to all but their owner
// and Admins (a 404, so their existence does not leak).
std::shared_ptr<const Snapshot> visibleSnapshot(Engine& engine, const std::string& eventId,
                                                const RequestContext& context) {
  auto snapshot = isUuid(eventId) ? engine.snapshot(eventId) : nullptr;
  if (!snapshot) throw problems::eventNotFound(eventId);
  bool hidden = snapshot->status == SaleStatus::Draft || snapshot->status == SaleStatus::Deleted;
  if (hidden && !isOwnerOrAdmin(*snapshot, context)) throw problems::eventNotFound(eventId);
  return snapshot;
}

Actor actorOf(const RequestContext& context) {
  const auto& caller = context.caller();
  return {caller.userId, caller.isAdmin()};
}

http::Response render(const Outcome& outcome, const std::string& instance) {
  if (outcome.problem) return toResponse(*outcome.problem, instance);
  auto response = http::Response::json(outcome.status, boost::json::serialize(outcome.body));
  if (outcome.replayed) response.headers["Idempotent-Replayed"] = "true";
  return response;
}

// Runs `command` on the engine and answers once it is durable.
void submit(Engine& engine, Command command, const RequestContext& context, const std::string& instance,
            Respond respond, std::function<void(const Outcome&, http::Response&)> decorate = {}) {
  engine.submit(std::move(command), actorOf(context), context.correlationId,
                [respond = std::move(respond), instance, decorate = std::move(decorate)](const Outcome& outcome) {
                  auto response = render(outcome, instance);
                  if (decorate && !outcome.problem) decorate(outcome, response);
                  respond(std::move(response));
                });
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

std::int64_t parseIfMatch(const http::Request& request) {
  auto header = request.header("If-Match");
  if (!header) throw Problem::preconditionRequired();
  std::string_view text(*header);
  if (text.starts_with("W/")) text.remove_prefix(2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  // An ETag we never issued cannot match the current one.
  if (ec != std::errc() || end != text.data() + text.size()) throw Problem::preconditionFailed();
  return version;
}

void reserveHandler(Engine& engine, const std::string& eventIdParam, const http::Request& request,
                    const RequestContext& context, Respond respond) {
  const auto& eventId = request.param(eventIdParam);
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  ReserveCommand command;
  command.eventId = eventId;
  command.categoryId = in.requiredString("categoryId", 1, 64);
  command.ticketCount = static_cast<int>(in.requiredInt("ticketCount", 1, kMaxTicketsPerRequest));
  command.sessionId = in.optionalString("sessionId", 1, 128).value_or("");
  in.rejectUnknown();
  if (auto key = request.header("Idempotency-Key")) {
    if (key->empty() || key->size() > 255) validation.add("Idempotency-Key", "must be 1 to 255 characters");
    command.idempotencyKey = *key;
  }
  validation.throwIfAny();
  if (!isUuid(eventId)) throw problems::eventNotFound(eventId);
  // The fingerprint of what was asked: the same key with another body is refused (422).
  command.requestHash = sha256Hex(eventId + '\n' + command.categoryId + '\n' + std::to_string(command.ticketCount) +
                                  '\n' + command.sessionId);
  if (command.sessionId.empty()) command.sessionId = context.requestId;
  std::string location = "/api/v1/inventory/" + eventId + "/reservations/";
  submit(engine, std::move(command), context, request.path, std::move(respond),
         [location](const Outcome& outcome, http::Response& response) {
           response.headers["Location"] = location + std::string(outcome.body.at("reservationId").as_string());
         });
}

// GET /inventory/{eventId}: the availability document from memory; owners and Admins also get the
// rules and the latest holds, read from the database on a worker.
void availabilityHandler(Engine& engine, Database& store, const http::Request& request, const RequestContext& context,
                         const Respond& respond) {
  auto snapshot = visibleSnapshot(engine, request.param("eventId"), context);
  auto etag = etagOf(snapshot->version);
  if (request.header("If-None-Match") == etag) {
    http::Response notModified;
    notModified.status = 304;
    notModified.headers["ETag"] = etag;
    return respond(std::move(notModified));
  }
  if (!isOwnerOrAdmin(*snapshot, context)) {
    http::Response response = http::Response::json(200, snapshot->json);
    response.headers["ETag"] = etag;
    response.headers["Cache-Control"] = "no-cache";
    return respond(std::move(response));
  }
  // Owners also see the rules and the latest holds: a database read, so on a worker.
  context.offload([&store, snapshot, etag, respond] {
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
        change.totalSeats = static_cast<int>(item.requiredInt("totalSeats", 0, 1'000'000));
        item.rejectUnknown();
        command.changes.push_back(std::move(change));
      }
      if (items->empty()) validation.add("categories", "must not be empty");
    }
  } else {
    CapacityCommand::Change change;
    change.categoryId = in.requiredString("categoryId", 1, 64);
    change.totalSeats = static_cast<int>(in.requiredInt("totalSeats", 0, 1'000'000));
    command.changes.push_back(std::move(change));
  }
  in.rejectUnknown();
  validation.throwIfAny();
  return command;
}

}  // namespace

void registerRoutes(Router& router, Engine& engine, Database& store, LiveUpdates& live) {
  using auth::Permission;
  using http::Method;

  // The routes that answer from memory or hand their command to the engine run on the io thread
  // (Execution::IoThread): under a ticket rush a thread hop costs more than the work itself.
  router.addAsync(
      Method::Get, "/api/v1/inventory/{eventId}", kModule, Access::optionalUser(),
      [&engine, &store](const http::Request& request, const RequestContext& context, const Respond& respond) {
        availabilityHandler(engine, store, request, context, respond);
      },
      Execution::IoThread);

  router.addAsync(
      Method::Post, "/api/v1/inventory/{eventId}/reserve", kModule, Access::require(Permission::TicketsPurchase),
      [&engine](const http::Request& request, const RequestContext& context, const Respond& respond) {
        reserveHandler(engine, "eventId", request, context, respond);
      },
      Execution::IoThread);
  router.addAsync(
      Method::Post, "/api/v1/concerts/{id}/reserve", kModule, Access::require(Permission::TicketsPurchase),
      [&engine](const http::Request& request, const RequestContext& context, const Respond& respond) {
        reserveHandler(engine, "id", request, context, respond);
      },
      Execution::IoThread);

  router.addAsync(
      Method::Post, "/api/v1/inventory/{eventId}/confirm", kModule, Access::require(Permission::InventoryManage),
      [&engine](const http::Request& request, const RequestContext& context, Respond respond) {
        ConfirmCommand command{request.param("eventId"), reservationIdFrom(request)};
        submit(engine, std::move(command), context, request.path, std::move(respond));
      },
      Execution::IoThread);

  router.addAsync(
      Method::Post, "/api/v1/inventory/{eventId}/release", kModule, Access::authenticated(),
      [&engine](const http::Request& request, const RequestContext& context, Respond respond) {
        ReleaseCommand command{request.param("eventId"), reservationIdFrom(request)};
        submit(engine, std::move(command), context, request.path, std::move(respond));
      },
      Execution::IoThread);

  router.addAsync(
      Method::Put, "/api/v1/inventory/{eventId}/capacity", kModule, Access::require(Permission::EventsUpdate),
      [&engine](const http::Request& request, const RequestContext& context, Respond respond) {
        auto command = capacityCommandFrom(request);
        command.expectedVersion = parseIfMatch(request);
        submit(engine, std::move(command), context, request.path, std::move(respond),
               [](const Outcome& outcome, http::Response& response) {
                 response.headers["ETag"] = etagOf(outcome.version);
               });
      },
      Execution::IoThread);

  router.add(
      Method::Get, "/api/v1/inventory/{eventId}/status", kModule, Access::optionalUser(),
      [&engine, &live](const http::Request& request, RequestContext& context) {
        auto snapshot = visibleSnapshot(engine, request.param("eventId"), context);
        http::Response response = http::Response::json(200, snapshot->json);
        response.headers["ETag"] = etagOf(snapshot->version);
        if (request.isWebSocketUpgrade() || request.acceptsEventStream()) {
          response.push = request.isWebSocketUpgrade() ? http::PushKind::WebSocket : http::PushKind::ServerSentEvents;
          response.onOpen = [&live, eventId = snapshot->eventId](std::shared_ptr<http::PushChannel> channel) {
            live.watch(eventId, std::move(channel));
          };
        }
        return response;
      },
      Execution::IoThread);

  router.add(Method::Get, "/api/v1/inventory/{eventId}/audit", kModule, Access::require(Permission::InventoryViewOwn),
             [&engine, &store](const http::Request& request, RequestContext& context) {
               auto snapshot = visibleSnapshot(engine, request.param("eventId"), context);
               if (!isOwnerOrAdmin(*snapshot, context)) throw problems::notOwner();
               auto page = parsePageRequest(request);
               auto [items, total] = store.read([&](soci::session& sql) {
                 return std::make_pair(store::listAudit(sql, snapshot->eventId, page.size, page.offset()),
                                       store::countAudit(sql, snapshot->eventId));
               });
               return http::Response::json(200, boost::json::serialize(pageEnvelope(std::move(items), page, total)));
             });

  router.add(Method::Get, "/api/v1/inventory/{eventId}/reservations/{reservationId}", kModule, Access::authenticated(),
             [&engine, &store](const http::Request& request, RequestContext& context) {
               auto snapshot = visibleSnapshot(engine, request.param("eventId"), context);
               const auto& id = request.param("reservationId");
               auto reservation = store.read([&](soci::session& sql) { return store::findReservation(sql, id); });
               bool mayRead = reservation && reservation->eventId == snapshot->eventId &&
                              (reservation->userId == context.caller().userId || isOwnerOrAdmin(*snapshot, context));
               if (!mayRead) throw problems::reservationNotFound(id);
               auto body = toJson(*reservation);
               return http::Response::json(200, boost::json::serialize(body));
             });
}

}  // namespace boxoffice::inventory
