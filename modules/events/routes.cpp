#include "routes.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "render.hpp"
#include "rules.hpp"
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

std::string pageBody(const store::Page& page, const PageRequest& request,
                     const std::function<boost::json::object(const Event&)>& render) {
  boost::json::array items;
  for (const auto& event : page.items) items.push_back(render(event));
  return json::serialize(pageEnvelope(std::move(items), request, page.totalItems));
}

Response pageResponse(const store::Page& page, const PageRequest& request,
                      const std::function<boost::json::object(const Event&)>& render) {
  return Response::json(200, pageBody(page, request, render));
}

// 200 with the document and its ETag, or 304 with the ETag when If-None-Match matches it.
Response documentResponse(const Request& request, const DocumentCache::Document& document) {
  if (notModified(request, document.etag)) return notModifiedResponse(document.etag);
  return Response::json(200, document.body).with("ETag", document.etag);
}

Problem eventNotFound() { return Problem::notFound("No such event."); }

// Pages of the unfiltered list answered from memory: the first three (what a shop's front page
// and its "next" links read), in the common page sizes (the default 20, and 10 and 50), for each
// sort. 3 x 3 x 3 = 27 keys, fewer than DocumentCache::kMaxPages: a client asking for many other
// sizes reads from events.db and cannot push these pages out.
constexpr int kCachedListPages = 3;
constexpr std::array<int, 3> kCachedPageSizes{10, kDefaultPageSize, 50};
constexpr std::size_t kSorts = 3;  // store::Sort's values
static_assert(kCachedListPages * kCachedPageSizes.size() * kSorts <= DocumentCache::kMaxPages);

// The cache key of a list request whose answer may be kept: no filter but the sort, one of the
// first pages, a common size. nullopt: the answer is read from events.db every time.
std::optional<std::string> cachedPageKey(const store::ListFilter& filter, const PageRequest& page) {
  bool unfiltered = !filter.category && !filter.startsFrom && !filter.startsUntil && !filter.city &&
                    !filter.organizerId && filter.publishedOnly;
  bool commonSize = std::find(kCachedPageSizes.begin(), kCachedPageSizes.end(), page.size) != kCachedPageSizes.end();
  if (!unfiltered || !commonSize || page.page > kCachedListPages) return std::nullopt;
  return std::to_string(page.page) + '/' + std::to_string(page.size) + '/' +
         std::to_string(static_cast<int>(filter.sort));
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

namespace {

namespace api = openapi;

std::vector<api::Parameter> listFilterParameters(bool withCategory) {
  std::vector<api::Parameter> filters;
  if (withCategory) filters.push_back({"category", api::string(1, 40), "Only events of this category slug."});
  filters.push_back(
      {"startDate", api::string(), "Events starting at or after: a date (2027-05-20) or an RFC 3339 time."});
  filters.push_back({"endDate", api::string(), "Events starting at or before (a plain date includes the whole day)."});
  filters.push_back({"city", api::string(1, 100), "Only events in this city."});
  filters.push_back({"sort", api::enumeration({"startsAt", "-startsAt", "name"}), "Order; default startsAt."});
  return api::pageParameters(std::move(filters));
}

api::Parameter eventId() { return {"id", api::uuid(), "The event's id."}; }

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  const std::string m = "events";
  defineApiSchemas(router.schemas());
  const std::vector<std::string> lifecycleProblems{"not-found", "precondition-failed", "event-final",
                                                   "invalid-status-transition"};
  // Literal segments win over {id}, so search, categories and organizer/{id} coexist with {id}.
  // The list and one event run on the io thread: from memory when the document cache holds the
  // answer, otherwise the handler hands the request to a worker (ctx.offload). Search and every
  // other read stay on the workers.
  router
      .addAsync(Method::Get, "/api/v1/events", m, Access::anyone(), bindRoute(this, &Routes::listEvents),
                Execution::IoThread)
      .describe({.summary = "Published events, filtered and sorted",
                 .description = "The answer carries an ETag (a hash of its content); a matching If-None-Match "
                                "is answered 304.",
                 .query = listFilterParameters(true),
                 .responses = {{200, "One page of events (ETag)", api::pageOf(api::ref("Event"))}}});
  router.add(Method::Get, "/api/v1/events/search", m, Access::anyone(), bindRoute(this, &Routes::searchEvents))
      .describe({.summary = "Full-text search over published events, best match first",
                 .description = "Every word must match (as a prefix) the name, description, venue, city or category; "
                                "case and accents are ignored, and operators are plain text.",
                 .query = api::pageParameters({{"q", api::string(), "The text to search for.", true}}),
                 .responses = {{200, "One page of matching events", api::pageOf(api::ref("Event"))}}});
  router.add(Method::Get, "/api/v1/events/categories", m, Access::anyone(), bindRoute(this, &Routes::listCategories))
      .describe({.summary = "Every event category, as one page",
                 .responses = {{200, "The categories", api::pageOf(api::ref("Category"))}}});
  // Managing the category list is Admin work; events:delete is the events permission only Admin
  // holds (the service checks the Admin role again).
  router
      .add(Method::Post, "/api/v1/events/categories", m, Access::require(Permission::EventsDelete),
           bindRoute(this, &Routes::addCategory))
      .describe({.summary = "Add an event category (Admin)",
                 .body = api::ref("CategoryInput"),
                 .responses = {{201, "The new category", api::ref("Category")}},
                 .problems = {"validation", "category-exists"}});
  router
      .add(Method::Get, "/api/v1/events/organizer/{organizerId}", m, Access::optionalUser(),
           bindRoute(this, &Routes::organizerEvents))
      .describe(
          {.summary = "One organizer's events",
           .description = "Anyone sees the published ones; the organizer and Admins see drafts too.",
           .path = {{"organizerId", api::uuid(), "The organizer's user id."}},
           .query = api::pageParameters({{"sort", api::enumeration({"startsAt", "-startsAt", "name"}), "Order."}}),
           .responses = {{200, "One page of events", api::pageOf(api::ref("Event"))}}});
  router
      .addAsync(Method::Get, "/api/v1/events/{id}", m, Access::optionalUser(), bindRoute(this, &Routes::getEvent),
                Execution::IoThread)
      .describe({.summary = "One event",
                 .description = "A draft is visible to its organizer and Admins only; to anyone else it is 404. "
                                "Answers 304 to a matching If-None-Match.",
                 .path = {eventId()},
                 .responses = {{200, "The event (ETag: its version)", api::ref("Event")}},
                 .problems = {"not-found"}});
  router
      .add(Method::Post, "/api/v1/events", m, Access::require(Permission::EventsCreate),
           bindRoute(this, &Routes::createEvent))
      .describe({.summary = "Create an event (a Draft)",
                 .body = api::ref("EventInput"),
                 .responses = {{201, "The new event (Location: its URL)", api::ref("Event")}},
                 .problems = {"validation"}});
  router
      .add(Method::Put, "/api/v1/events/{id}", m, Access::require(Permission::EventsUpdate),
           bindRoute(this, &Routes::updateEvent))
      .describe({.summary = "Replace an event's details",
                 .description = "Only the event's organizer or an Admin. Price categories with seats sold or "
                                "held cannot be removed or shrunk below them.",
                 .path = {eventId()},
                 .headers = {api::ifMatchHeader(true)},
                 .body = api::ref("EventInput"),
                 .responses = {{200, "The event as changed", api::ref("Event")}},
                 .problems = {"validation", "not-found", "precondition-required", "precondition-failed", "event-final",
                              "price-category-in-use"}});
  router
      .add(Method::Post, "/api/v1/events/{id}/publish", m, Access::require(Permission::EventsUpdate),
           bindRoute(this, &Routes::publishEvent))
      .describe({.summary = "Put a Draft on sale",
                 .path = {eventId()},
                 .headers = {api::ifMatchHeader()},
                 .responses = {{200, "The event, Published", api::ref("Event")}},
                 .problems = [&] {
                   auto out = lifecycleProblems;
                   out.push_back("event-not-sellable");
                   return out;
                 }()});
  router
      .add(Method::Post, "/api/v1/events/{id}/cancel", m, Access::require(Permission::EventsUpdate),
           bindRoute(this, &Routes::cancelEvent))
      .describe({.summary = "Cancel an event",
                 .description = "Buyers are told and their tickets voided; refunds follow through payments.",
                 .path = {eventId()},
                 .headers = {api::ifMatchHeader()},
                 .body = api::object({api::optional("reason", api::string(0, 500))}),
                 .bodyRequired = false,
                 .responses = {{200, "The event, Cancelled", api::ref("Event")}},
                 .problems = lifecycleProblems});
  router
      .add(Method::Delete, "/api/v1/events/{id}", m, Access::require(Permission::EventsDelete),
           bindRoute(this, &Routes::deleteEvent))
      .describe({.summary = "Delete an event (Admin; soft delete)",
                 .path = {eventId()},
                 .headers = {api::ifMatchHeader()},
                 .responses = {{204, "Deleted"}},
                 .problems = {"not-found", "precondition-failed"}});
  // Seed 003 compatibility: concerts are events of category "concert".
  router.add(Method::Get, "/api/v1/concerts", m, Access::anyone(), bindRoute(this, &Routes::listConcerts))
      .describe({.summary = "Published concerts (events of category concert) with seats left",
                 .query = listFilterParameters(false),
                 .responses = {{200, "One page of concerts", api::pageOf(api::ref("Concert"))}}});
  router.add(Method::Get, "/api/v1/concerts/{id}", m, Access::optionalUser(), bindRoute(this, &Routes::getConcert))
      .describe({.summary = "One concert, with seats left",
                 .path = {eventId()},
                 .responses = {{200, "The concert", api::ref("Concert")}},
                 .problems = {"not-found"}});
  router
      .add(Method::Post, "/api/v1/concerts", m, Access::require(Permission::EventsCreate),
           bindRoute(this, &Routes::createConcert))
      .describe({.summary = "Create a concert (an event of category concert)",
                 .description = "The body of POST /api/v1/events; category may be left out.",
                 .body = api::ref("EventInput"),
                 .responses = {{201, "The new concert", api::ref("Concert")}},
                 .problems = {"validation"}});
}

// On the io thread: parsing is pure, a cached first page is answered at once; anything else is
// read on a worker, and a first page is kept for the next request.
void Routes::listEvents(const Request& request, const RequestContext& ctx, Respond respond) {
  auto page = parsePageRequest(request);
  auto filter = parseListFilter(request, true);
  auto key = cachedPageKey(filter, page);
  if (key) {
    if (auto document = service_.documents().page(*key)) return respond(documentResponse(request, *document));
  }
  ctx.offload([this, request, page, filter = std::move(filter), key = std::move(key), respond = std::move(respond)] {
    auto& cache = service_.documents();
    auto stamp = cache.stamp();  // before the read: see document_cache.hpp
    auto body = pageBody(service_.list(filter, page), page, eventJson);
    auto etag = etagOfContent(body);
    auto document =
        std::make_shared<const DocumentCache::Document>(DocumentCache::Document{std::move(body), std::move(etag)});
    if (key) cache.putPage(*key, stamp, document);
    respond(documentResponse(request, *document));
  });
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

// On the io thread: a non-Draft event is answered from memory once read; a Draft (visible to its
// organizer and Admins only), an unknown id and the first read of an event go to a worker.
void Routes::getEvent(const Request& request, const RequestContext& ctx, Respond respond) {
  const auto& id = request.param("id");
  if (!isUuid(id)) throw eventNotFound();
  if (auto document = service_.documents().event(id)) return respond(documentResponse(request, *document));
  ctx.offload([this, request, caller = ctx.principal, respond = std::move(respond)] {
    respond(documentResponse(request, *readEventDocument(caller, request.param("id"))));
  });
}

DocumentCache::DocumentPtr Routes::readEventDocument(const std::optional<auth::Principal>& caller,
                                                     const std::string& id) const {
  auto& cache = service_.documents();
  auto stamp = cache.stamp();  // before the read: see document_cache.hpp
  auto event = service_.get(caller, id);
  auto document = std::make_shared<const DocumentCache::Document>(
      DocumentCache::Document{json::serialize(eventJson(event)), etagOf(event.version)});
  // Only what an anonymous caller may read is shared from memory: never a Draft.
  if (canSee(std::nullopt, event)) cache.putEvent(event.id, stamp, document);
  return document;
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
