#pragma once
// The template engine's face to the rest of the module (owned by the templates part: engine,
// formats, shipped files, overrides, A/B variants, the admin routes).
//
// Templates are kept per notification type (catalogue.hpp), channel and language: the shipped
// files (modules/notifications/templates/, embedded in the binary) overridden by what an Admin
// saved (PUT /api/v1/admin/templates/{type}/{channel}/{language}, stored in notifications.db).
// `{{variable}}` placeholders name the type's variables; every value is formatted for the reader
// (money in their locale with the currency's exponent, dates in their time zone) and escaped in
// HTML bodies. A template with variants has one chosen per user, deterministically, and the
// choice is recorded with the delivery.
#include <memory>
#include <string_view>

#include "model.hpp"

namespace boxoffice {
class Database;
class Router;
class Clock;
}  // namespace boxoffice

namespace boxoffice::notifications {

class Templates {
 public:
  // `store`: notifications.db (the overrides table). Loads the overrides once; saving through
  // the admin routes updates the in-memory copy.
  Templates(Database& store, const Clock& clock);
  ~Templates();
  Templates(const Templates&) = delete;
  Templates& operator=(const Templates&) = delete;

  // Writes `type` for `channel` in the reader's language (en when the language has no
  // template), with its values formatted for the reader. Throws std::invalid_argument if the
  // type is unknown or has no template for the channel in any language. Callable from any thread.
  Rendered render(std::string_view type, Channel channel, const Reader& reader, const Variables& variables) const;

  // GET/PUT /api/v1/admin/templates/{type}/{channel}/{language} (Admin, notifications:send).
  void registerRoutes(Router& router);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace boxoffice::notifications
