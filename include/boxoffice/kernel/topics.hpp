#pragma once
// The bus's topics, named in one place. Light on purpose: every module's messages.hpp refers to
// these, and contract headers must stay cheap to include.
#include <array>
#include <string_view>

namespace boxoffice::topics {
inline constexpr std::string_view events = "events";
inline constexpr std::string_view tickets = "tickets";
inline constexpr std::string_view orders = "orders";
inline constexpr std::string_view payments = "payments";
inline constexpr std::string_view notifications = "notifications";
// The door: tickets issued, voided, transferred and checked in. Its own topic, because "tickets"
// carries inventory's seat messages (holds, sales, returns) that the checkout saga listens to.
inline constexpr std::string_view admission = "admission";
// Command topics: each has exactly one subscriber, the module that carries the command out (its
// messages.hpp declares the commands it accepts); senders are listed in their private
// modules/<m>/subscriptions.hpp. Replies travel on the receiver's own topic.
inline constexpr std::string_view inventoryCommands = "inventory-commands";
inline constexpr std::string_view paymentCommands = "payment-commands";
// Every topic above: the bus has no wildcards, so a module that hears everything (audit)
// subscribes to each. A new topic goes here too.
inline constexpr std::array<std::string_view, 8> all{
    events, tickets, orders, payments, notifications, admission, inventoryCommands, paymentCommands};
}  // namespace boxoffice::topics
