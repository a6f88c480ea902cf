#include "routes.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "render.hpp"
#include "search_query.hpp"

namespace boxoffice::events {

namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr const char* kConcertCategory = "concert";

Response eventResponse(int status, const Event& event) {
  return Response::json(status, json::serialize(eventJson(event))).with("ETag", etagOf(event.version));
}

Response pageResponse(const store::Page& page, const PageRequest& request,
                      const std::function<boost::json::object(const Event&)>& render) {
  boost::json::array items;
  for (const auto& event : page.items) items.push_back(render(event));
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), request, page.totalItems)));
}

// ?category&startDate&endDate&city&sort, every bad value named in one 400.
store::ListFilter parseListFilter(const Request& request, bool withCategory) {
  json::Validation validation;
  store::ListFilter filter;
  if (withCategory) {
    if (auto category = request.queryParam("category")) {
      if (isSlug(*category)) {
        filter.category = *category;
      } else {
        validation.add("category", "must be a category slug such as \"concert\"");
      }
    }
  }
  if (auto start = request.queryParam("startDate")) {
    if (!(filter.startsFrom = parseDateOrDateTime(*start))) {
      validation.add("startDate", "must be a date (2027-05-20) or an RFC 3339 date-time, in the years 1900 to 2200");
    }
  }
  if (auto end = request.queryParam("endDate")) {
    if (auto parsed = parseDateOrDateTime(*end)) {
      // A plain date includes the whole day.
      bool dateOnly = end->size() == 10;
      filter.startsUntil = dateOnly ? *parsed + std::chrono::hours(24) - std::chrono::milliseconds(1) : *parsed;
    } else {
      validation.add("endDate", "must be a date (2027-05-20) or an RFC 3339 date-time, in the years 1900 to 2200");
    }
  }
  if (filter.startsFrom && filter.startsUntil && *filter.startsUntil < *filter.startsFrom) {
    validation.add("endDate", "must not be before startDate");
  }
  if (auto city = request.queryParam("city")) {
    if (city->empty() || codePoints(*city) > 100) {
      validation.add("city", "must be 1 to 100 characters");
    } else {
      filter.city = *city;
    }
  }
  if (auto sort = request.queryParam("sort")) {
    if (*sort == "startsAt") {
      filter.sort = store::Sort::StartsAt;
    } else if (*sort == "-startsAt") {
      filter.sort = store::Sort::StartsAtDesc;
    } else if (*sort == "name") {
      filter.sort = store::Sort::Name;
    } else {
      validation.add("sort", "must be startsAt, -startsAt or name");
    }
  }
  validation.throwIfAny();
  return filter;
}

std::string cancelReason(const Request& request) {
  if (request.body.empty()) return {};
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto reason = in.optionalString("reason", 0, 500).value_or("");
  in.rejectUnknown();
  validation.throwIfAny();
  return reason;
}

}  // namespace

Routes::Routes(EventService& service, const TimezoneCheck& zones, RouteSettings settings)
    : service_(service), zones_(zones), settings_(settings) {}

void Routes::registerAll(Router& router) {
  using auth::Permission;
  const std::string m = "events";
  // Literal segments win over {id}, so search, categories and organizer/{id} coexist with {id}.
  router.add(Method::Get, "/api/v1/events", m, Access::anyone(), bindRoute(this, &Routes::listEvents));
  router.add(Method::Get, "/api/v1/events/search", m, Access::anyone(), bindRoute(this, &Routes::searchEvents));
  router.add(Method::Get, "/api/v1/events/categories", m, Access::anyone(), bindRoute(this, &Routes::listCategories));
  // Managing the category list is Admin work; events:delete is the events permission only Admin
  // holds (the service checks the Admin role again).
  router.add(Method::Post, "/api/v1/events/categories", m, Access::require(Permission::EventsDelete),
             bindRoute(this, &Routes::addCategory));
  router.add(Method::Get, "/api/v1/events/organizer/{organizerId}", m, Access::optionalUser(),
             bindRoute(this, &Routes::organizerEvents));
  router.add(Method::Get, "/api/v1/events/{id}", m, Access::optionalUser(), bindRoute(this, &Routes::getEvent));
  router.add(Method::Post, "/api/v1/events", m, Access::require(Permission::EventsCreate),
             bindRoute(this, &Routes::createEvent));
  router.add(Method::Put, "/api/v1/events/{id}", m, Access::require(Permission::EventsUpdate),
             bindRoute(this, &Routes::updateEvent));
  router.add(Method::Post, "/api/v1/events/{id}/publish", m, Access::require(Permission::EventsUpdate),
             bindRoute(this, &Routes::publishEvent));
  router.add(Method::Post, "/api/v1/events/{id}/cancel", m, Access::require(Permission::EventsUpdate),
             bindRoute(this, &Routes::cancelEvent));
  router.add(Method::Delete, "/api/v1/events/{id}", m, Access::require(Permission::EventsDelete),
             bindRoute(this, &Routes::deleteEvent));
  // Seed 003 compatibility: concerts are events of category "concert".
  router.add(Method::Get, "/api/v1/concerts", m, Access::anyone(), bindRoute(this, &Routes::listConcerts));
  router.add(Method::Get, "/api/v1/concerts/{id}", m, Access::optionalUser(), bindRoute(this, &Routes::getConcert));
  router.add(Method::Post, "/api/v1/concerts", m, Access::require(Permission::EventsCreate),
             bindRoute(this, &Routes::createConcert));
}

Response Routes::listEvents(const Request& request, RequestContext& /*unused*/) {
  auto page = parsePageRequest(request);
  auto filter = parseListFilter(request, true);
  return pageResponse(service_.list(filter, page), page, eventJson);
}

Response Routes::searchEvents(const Request& request, RequestContext& /*unused*/) {
  auto q = request.queryParam("q").value_or("");
  bool blank = q.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) throw Problem::validation({{"q", "is required: the text to search for"}});
  if (json::hasControlCharacter(q)) {
    throw Problem::validation(
        {{"q", "must not contain control characters (tab, line feed and carriage return are allowed)"}});
  }
  if (codePoints(q) > settings_.searchMaxQueryLength) {
    throw Problem::validation(
        {{"q", "must be at most " + std::to_string(settings_.searchMaxQueryLength) + " characters"}});
  }
  auto page = parsePageRequest(request);
  auto expression = ftsMatchExpression(q);
  if (!expression) return pageResponse({}, page, eventJson);  // only punctuation: nothing can match
  return pageResponse(service_.search(*expression, page), page, eventJson);
}

Response Routes::getEvent(const Request& request, RequestContext& ctx) {
  auto event = service_.get(ctx.principal, request.param("id"));
  if (auto etag = etagOf(event.version); notModified(request, etag)) return notModifiedResponse(etag);
  return eventResponse(200, event);
}

Response Routes::createEvent(const Request& request, RequestContext& ctx) {
  auto input = parseEventInput(json::parseObjectBody(request), zones_);
  auto event = service_.create(ctx.actor(), std::move(input));
  return eventResponse(201, event).with("Location", "/api/v1/events/" + event.id);
}

Response Routes::updateEvent(const Request& request, RequestContext& ctx) {
  auto ifMatch = IfMatch::required(request, "Send If-Match with the event's ETag (from GET).");
  auto input = parseEventInput(json::parseObjectBody(request), zones_);
  return eventResponse(200, service_.update(ctx.actor(), request.param("id"), std::move(input), ifMatch));
}

Response Routes::publishEvent(const Request& request, RequestContext& ctx) {
  auto ifMatch = IfMatch::from(request);
  return eventResponse(200, service_.publish(ctx.actor(), request.param("id"), ifMatch));
}

Response Routes::cancelEvent(const Request& request, RequestContext& ctx) {
  auto ifMatch = IfMatch::from(request);
  auto reason = cancelReason(request);
  return eventResponse(200, service_.cancel(ctx.actor(), request.param("id"), reason, ifMatch));
}

Response Routes::deleteEvent(const Request& request, RequestContext& ctx) {
  service_.remove(ctx.actor(), request.param("id"), IfMatch::from(request));
  return Response::noContent();
}

Response Routes::organizerEvents(const Request& request, RequestContext& ctx) {
  const auto& organizerId = request.param("organizerId");
  if (!isUuid(organizerId)) throw Problem::validation({{"organizerId", "must be a UUID"}});
  auto page = parsePageRequest(request);
  auto filter = parseListFilter(request, false);
  return pageResponse(service_.byOrganizer(ctx.principal, organizerId, filter.sort, page), page, eventJson);
}

Response Routes::listCategories(const Request& /*unused*/, RequestContext& /*unused*/) {
  auto categories = service_.categories();
  boost::json::array items;
  for (const auto& c : categories) items.push_back(categoryJson(c));
  // The whole (short) list in the usual envelope, as one page.
  PageRequest page{1, static_cast<int>(std::max<std::size_t>(categories.size(), 1))};
  return Response::json(
      200, json::serialize(pageEnvelope(std::move(items), page, static_cast<std::int64_t>(categories.size()))));
}

Response Routes::addCategory(const Request& request, RequestContext& ctx) {
  auto category = service_.addCategory(ctx.actor(), parseCategoryInput(json::parseObjectBody(request)));
  return Response::json(201, json::serialize(categoryJson(category)));
}

Response Routes::listConcerts(const Request& request, RequestContext& /*unused*/) {
  auto page = parsePageRequest(request);
  auto filter = parseListFilter(request, false);
  filter.category = kConcertCategory;
  return pageResponse(service_.list(filter, page), page,
                      [this](const Event& e) { return concertJson(e, service_.usage(e.id)); });
}

Response Routes::getConcert(const Request& request, RequestContext& ctx) {
  auto event = service_.get(ctx.principal, request.param("id"));
  if (event.content.category != kConcertCategory) throw Problem::notFound("No such concert.");
  if (auto etag = etagOf(event.version); notModified(request, etag)) return notModifiedResponse(etag);
  return Response::json(200, json::serialize(concertJson(event, service_.usage(event.id))))
      .with("ETag", etagOf(event.version));
}

Response Routes::createConcert(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  // Same body as POST /events; the category is implied.
  if (auto* it = body.find("category"); it == body.end() || it->value().is_null()) {
    body["category"] = kConcertCategory;
  } else if (!it->value().is_string() || it->value().as_string() != kConcertCategory) {
    throw Problem::validation({{"category", "must be \"concert\" (or left out) when creating a concert"}});
  }
  auto event = service_.create(ctx.actor(), parseEventInput(body, zones_));
  return Response::json(201, json::serialize(concertJson(event, std::nullopt)))
      .with("ETag", etagOf(event.version))
      .with("Location", "/api/v1/concerts/" + event.id);
}

}  // namespace boxoffice::events
