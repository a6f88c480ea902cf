#pragma once
// What the payments module subscribes to (private to the module): the commands it carries out.
// module.cpp subscribes with it; tools/message_catalogue.cpp lists it.
#include <string_view>

#include "boxoffice/kernel/message.hpp"
#include "boxoffice/payments/messages.hpp"

namespace boxoffice::payments {

struct Subscriptions {
  static constexpr std::string_view module = "payments";
  using Subscribes = MessageList<messages::ChargePayment, messages::VoidPayment, messages::RefundPayment>;
};

}  // namespace boxoffice::payments
