#pragma once
// Integration messages the identity module publishes (topic "notifications": a new user is
// something to greet; audit stores every message).
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace boxoffice::identity::messages {

inline constexpr std::string_view kTopic = "notifications";

struct UserRegistered {
  static constexpr std::string_view type = "UserRegistered";
  std::string userId;
  std::string email;
  std::string displayName;
  std::string registeredAt;

  boost::json::object toJson() const {
    return {{"userId", userId}, {"email", email}, {"displayName", displayName}, {"registeredAt", registeredAt}};
  }
};

}  // namespace boxoffice::identity::messages
