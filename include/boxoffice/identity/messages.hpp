#pragma once
// Integration messages the identity module publishes (topic "notifications": a new user is
// something to greet, for the planned notifications module). JSON: boxoffice/kernel/message_json.hpp.
#include <string>
#include <string_view>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::identity::messages {

struct UserRegistered {
  static constexpr std::string_view topic = topics::notifications;
  static constexpr std::string_view type = "UserRegistered";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "A user signed up, or an Admin added one.";
  std::string userId;
  std::string email;
  std::string displayName;
  std::string registeredAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(UserRegistered, (), (userId, email, displayName, registeredAt))

struct Messaging {
  static constexpr std::string_view module = "identity";
  using Publishes = MessageList<UserRegistered>;
};

}  // namespace boxoffice::identity::messages
