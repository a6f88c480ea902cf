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

// Someone tried to sign up with an email that already has an account. The sign-up route answers
// the same either way (so it cannot be used to learn who has an account); this tells the owner,
// whose mailbox is the only place the difference shows.
struct RegistrationAttempted {
  static constexpr std::string_view topic = topics::notifications;
  static constexpr std::string_view type = "RegistrationAttempted";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Someone tried to sign up with the email of an existing account (at most one a day per account).";
  std::string userId;  // the existing account
  std::string email;
  std::string displayName;
  std::string attemptedAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(RegistrationAttempted, (), (userId, email, displayName, attemptedAt))

struct Messaging {
  static constexpr std::string_view module = "identity";
  using Publishes = MessageList<UserRegistered, RegistrationAttempted>;
};

}  // namespace boxoffice::identity::messages
