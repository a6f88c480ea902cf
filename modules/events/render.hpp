#pragma once
// JSON representations the API returns.
#include <boost/json/object.hpp>
#include <optional>
#include <vector>

#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/openapi.hpp"
#include "model.hpp"

namespace boxoffice::events {

// The event as GET /api/v1/events/{id} returns it.
boost::json::object eventJson(const Event& event);

// Seed 003's concert shape over an event of category "concert": the event's fields plus
// artist (= name), date (= startsAt), totalSeats (sum of price categories) and, when the
// inventory module knows the event, availableSeats.
boost::json::object concertJson(const Event& event, const std::optional<std::vector<inventory::CategoryUsage>>& usage);

boost::json::object categoryJson(const Category& category);

// The OpenAPI schemas of the shapes above ("Event", "Concert", "Category") and of the request
// bodies ("EventInput", "CategoryInput"); keep them in step with the functions above and with
// validation.cpp (the integration tests check every answer against them).
void defineApiSchemas(openapi::Components& components);

}  // namespace boxoffice::events
