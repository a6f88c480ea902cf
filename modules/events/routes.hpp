#pragma once
// The HTTP surface of the events module (docs/api/events.md): thin handlers that parse the
// request, call EventService and render.
#include <cstddef>

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
  http::Response listEvents(const http::Request& request, RequestContext& ctx);
  http::Response searchEvents(const http::Request& request, RequestContext& ctx);
  http::Response getEvent(const http::Request& request, RequestContext& ctx);
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

  EventService& service_;
  const TimezoneCheck& zones_;
  RouteSettings settings_;
};

}  // namespace boxoffice::events
