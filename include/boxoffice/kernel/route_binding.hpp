#pragma once
// Binds a member function of a module's Routes class as a route handler, so every module
// registers its routes the same way:
//
//   router.add(Method::Get, "/api/v1/events/{id}", "events", Access::optionalUser(),
//              bindRoute(this, &Routes::getEvent));
//   router.addAsync(Method::Post, "/api/v1/inventory/{eventId}/reserve", "inventory", access,
//                   bindRoute(this, &Routes::reserve), Execution::IoThread);
//
// The Routes object must outlive the router (modules keep it as a member).
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

template <class T>
Handler bindRoute(T* self, http::Response (T::*handler)(const http::Request&, RequestContext&)) {
  return [self, handler](const http::Request& request, RequestContext& context) {
    return (self->*handler)(request, context);
  };
}

// An async handler answers through `respond`, possibly later and from another thread.
template <class T>
AsyncHandler bindRoute(T* self, void (T::*handler)(const http::Request&, const RequestContext&, Respond)) {
  return [self, handler](http::Request request, RequestContext context, Respond respond) {
    (self->*handler)(request, context, std::move(respond));
  };
}

}  // namespace boxoffice
