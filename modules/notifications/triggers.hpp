#pragma once
// Message → the read model's update and the notifications it causes (type, recipient, the
// type's variables from catalogue.cpp). One overload per subscribed message; all run in the
// message's inbox transaction.
#include <string>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "service.hpp"
#include "subscriptions.hpp"

namespace boxoffice::notifications::triggers {

std::vector<Notification> on(Tx& tx, const identity::messages::UserRegistered& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const identity::messages::RegistrationAttempted& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventCreated& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventUpdated& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventPublished& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventCancelled& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventDeleted& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const events::messages::EventCompleted& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const orders::messages::OrderCompleted& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const orders::messages::OrderFailed& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const orders::messages::OrderCancelled& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const orders::messages::OrderRefunded& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const payments::messages::PaymentFailed& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const payments::messages::PaymentRefunded& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const inventory::messages::ReservationExpired& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const inventory::messages::LowInventory& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const inventory::messages::SoldOut& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const tickets::messages::TicketTransferred& m, const Envelope& e);
std::vector<Notification> on(Tx& tx, const tickets::messages::TicketTransferOffered& m, const Envelope& e);

}  // namespace boxoffice::notifications::triggers
