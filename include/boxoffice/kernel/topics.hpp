#pragma once
// The bus's topics, named in one place. Light on purpose: every module's messages.hpp refers to
// these, and contract headers must stay cheap to include.
#include <string_view>

namespace boxoffice::topics {
inline constexpr std::string_view events = "events";
inline constexpr std::string_view tickets = "tickets";
inline constexpr std::string_view payments = "payments";
inline constexpr std::string_view notifications = "notifications";
}  // namespace boxoffice::topics
