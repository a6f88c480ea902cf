#include "templates.hpp"

#include <stdexcept>

#include "catalogue.hpp"
#include "formats.hpp"
#include "template_routes.hpp"
#include "template_store.hpp"

namespace boxoffice::notifications {

struct Templates::State {
  State(Database& db, const Clock& clock) : pool(patterns), store(db, clock), routes(store) {}
  DatePatterns patterns;
  FormatsPool pool;
  TemplateStore store;
  TemplateRoutes routes;
};

Templates::Templates(Database& store, const Clock& clock) : state_(std::make_unique<State>(store, clock)) {}
Templates::~Templates() = default;

Rendered Templates::render(std::string_view type, Channel channel, const Reader& reader,
                           const Variables& variables) const {
  if (findNotificationType(type) == nullptr) {
    throw std::invalid_argument("unknown notification type " + std::string(type));
  }
  std::string language = isTemplateLanguage(reader.language) ? reader.language : "en";
  auto compiled = state_->store.inForce(type, channel, language);
  if (!compiled && language != "en") {
    language = "en";
    compiled = state_->store.inForce(type, channel, language);
  }
  if (!compiled) {
    throw std::invalid_argument("no template for " + std::string(type) + " on " + std::string(toString(channel)));
  }
  auto formats = state_->pool.borrow(language, reader.timezone);
  FormattedValues values(variables, *formats);
  const auto* variant = chooseVariant(*compiled, reader.userId, type);
  auto part = [&](const CompiledText& base, const std::optional<CompiledText> CompiledVariant::*override) {
    return variant != nullptr && (variant->*override).has_value() ? &*(variant->*override) : &base;
  };
  Rendered out;
  out.language = language;
  out.variant = variant != nullptr ? variant->id : std::string();
  if (channel != Channel::Sms)
    renderText(out.subject, *part(compiled->subject, &CompiledVariant::subject), values, false);
  renderText(out.text, *part(compiled->text, &CompiledVariant::text), values, false);
  if (channel == Channel::Email) renderText(out.html, *part(compiled->html, &CompiledVariant::html), values, true);
  return out;
}

void Templates::registerRoutes(Router& router) { state_->routes.registerRoutes(router); }

}  // namespace boxoffice::notifications
