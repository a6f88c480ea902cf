#pragma once
// The OpenAPI schemas of what this module answers: keep them in step with ticketJson and
// transferJson (routes.cpp), scannerJson, settingsJson and the check-in answers
// (door_routes.cpp) and statsDocument (stats.cpp). The integration tests check every answer
// against them.
#include "boxoffice/kernel/openapi.hpp"

namespace boxoffice::tickets {

void defineApiSchemas(openapi::Components& components);

}  // namespace boxoffice::tickets
