#pragma once
// The check-in statistics of an event (GET /api/v1/events/{id}/checkin-stats, and the live
// document its watchers get): admitted vs sold per category, admissions per five minutes.
#include <soci/soci.h>
#include <string>

namespace boxoffice::tickets {

std::string statsDocument(soci::session& sql, const std::string& eventId);

}  // namespace boxoffice::tickets
