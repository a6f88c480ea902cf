#pragma once
// The demo catalogue `serve --demo` loads once: a dozen Published events across categories,
// cities and dates in 2027 (moved forward by whole years when loaded after 2026), owned by
// `organizerId` (the composition root hands over identity's demo organizer), with fixed ids so
// links in docs and scripts stay valid.
#include <string>
#include <vector>

#include "model.hpp"

namespace boxoffice::events {

inline constexpr const char* kDemoMarker = "demo-catalogue-v1";

std::vector<Event> demoCatalogue(TimePoint now, const std::string& organizerId);

}  // namespace boxoffice::events
