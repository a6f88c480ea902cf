// Placeholder until the template engine lands (owned by the templates part).
#include "templates.hpp"

#include <stdexcept>

namespace boxoffice::notifications {

struct Templates::State {};

Templates::Templates(Database& /*store*/, const Clock& /*clock*/) : state_(std::make_unique<State>()) {}
Templates::~Templates() = default;

Rendered Templates::render(std::string_view type, Channel /*channel*/, const Reader& /*reader*/,
                           const Variables& /*variables*/) const {
  throw std::logic_error("templates are not built yet: " + std::string(type));
}

void Templates::registerRoutes(Router& /*router*/) {}

}  // namespace boxoffice::notifications
