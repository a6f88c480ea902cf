#pragma once
// The HTTP surface of the events module (docs/api/events.md): thin handlers that parse the
// request, call EventService and render. GET /api/v1/events/{id} and GET /api/v1/events run on
// the io thread: they answer from the document cache (document_cache.hpp) when it holds the
// answer, and hand everything else to a worker (ctx.offload), which reads events.db, answers
// and fills the cache for the next request.
#include <cstddef>
#include <optional>
#include <string>

#include "boxoffice/kernel/router.hpp"
#include "service.hpp"
#include "validation.hpp"

namespace boxoffice::events {

struct RouteSettings {
  std::size_t searchMaxQueryLength = 200;
};

class Routes {
 public:
  Routes(EventService& service, const TimezoneCheck& zones, RouteSettings settings);
  void registerAll(Router& router);

 private:
  void listEvents(const http::Request& request, const RequestContext& ctx, Respond respond);
  http::Response searchEvents(const http::Request& request, RequestContext& ctx);
  void getEvent(const http::Request& request, const RequestContext& ctx, Respond respond);
  http::Response createEvent(const http::Request& request, RequestContext& ctx);
  http::Response updateEvent(const http::Request& request, RequestContext& ctx);
  http::Response publishEvent(const http::Request& request, RequestContext& ctx);
  http::Response cancelEvent(const http::Request& request, RequestContext& ctx);
  http::Response deleteEvent(const http::Request& request, RequestContext& ctx);
  http::Response organizerEvents(const http::Request& request, RequestContext& ctx);
  http::Response listCategories(const http::Request& request, RequestContext& ctx);
  http::Response addCategory(const http::Request& request, RequestContext& ctx);
  http::Response listConcerts(const http::Request& request, RequestContext& ctx);
  http::Response getConcert(const http::Request& request, RequestContext& ctx);
  http::Response createConcert(const http::Request& request, RequestContext& ctx);

  // The public document of an event read from the store (on a worker), kept in the cache when
  // anyone may read it. Throws 404 like EventService::get.
  DocumentCache::DocumentPtr readEventDocument(const std::optional<auth::Principal>& caller,
                                               const std::string& id) const;

  EventService& service_;
  const TimezoneCheck& zones_;
  RouteSettings settings_;
};

}  // namespace boxoffice::events
