#pragma once
// Integration messages as types. A module's messages.hpp declares each message it publishes as a
// plain struct whose fields are listed once with BOOST_DESCRIBE_STRUCT, plus its topic, type name,
// version and a one-line summary:
//
//   struct UserRegistered {
//     static constexpr std::string_view topic = topics::notifications;
//     static constexpr std::string_view type = "UserRegistered";
//     static constexpr int messageVersion = 1;  // the payload schema's version (the envelope's `version`)
//     static constexpr std::string_view summary = "A user signed up or was added by an Admin.";
//     std::string userId;
//     ...
//   };
//   BOOST_DESCRIBE_STRUCT(UserRegistered, (), (userId, ...))
//
// and its `Messaging` contract: the module's name and the messages it publishes. What a module
// subscribes to is its own business, not part of its contract: it declares `Subscriptions` in
// its private folder (modules/<m>/subscriptions.hpp), so a contract never names another module's
// messages and contracts do not depend on each other for it. These declarations drive the JSON
// mapping, the typed subscription (message_json.hpp) and the generated catalogue
// docs/messages.md (tools/message_catalogue.cpp), so the catalogue cannot drift from the code.
//
// Light on purpose (no Boost.JSON): contract headers include it.
#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "boxoffice/kernel/topics.hpp"

namespace boxoffice {

// Money on the wire and in the API: integer minor units plus ISO 4217 currency, never floating
// point: {"amount": 29999, "currency": "EUR"}.
struct Money {
  std::int64_t amount = 0;
  std::string currency;
  bool operator==(const Money&) const = default;
};
BOOST_DESCRIBE_STRUCT(Money, (), (amount, currency))

template <class... Messages>
struct MessageList {};

template <class M>
concept IntegrationMessage = requires {
  { M::topic } -> std::convertible_to<std::string_view>;
  { M::type } -> std::convertible_to<std::string_view>;
  { M::messageVersion } -> std::convertible_to<int>;
  { M::summary } -> std::convertible_to<std::string_view>;
}
&&boost::describe::has_describe_members<M>::value;

// What a module's messages.hpp declares as its `Messaging`:
//   struct Messaging {
//     static constexpr std::string_view module = "inventory";
//     using Publishes = MessageList<TicketsReserved, ...>;
//   };
template <class C>
concept MessagingContract = requires {
  { C::module } -> std::convertible_to<std::string_view>;
  typename C::Publishes;
};

// What a subscribing module declares privately (modules/<m>/subscriptions.hpp):
//   struct Subscriptions {
//     static constexpr std::string_view module = "inventory";  // its subscriber name
//     using Subscribes = MessageList<events::messages::EventCreated, ...>;
//   };
template <class C>
concept SubscriptionContract = requires {
  { C::module } -> std::convertible_to<std::string_view>;
  typename C::Subscribes;
};

}  // namespace boxoffice
