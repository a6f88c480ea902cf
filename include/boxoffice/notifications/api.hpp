#pragma once
// The notifications module's contract (seed 000 NotificationService, seed 003 Notification
// service): people hear about what happened to them (orders, payments, holds, their events), on
// the channels they chose (email over SMTP, SMS, push, in-app), in their language, with money and
// dates in their locale and time zone. Driven only by messages: it keeps its own read model of
// users, events and buyers, so it works the same when the bus is a broker. Other modules never
// call it; what it publishes is in messages.hpp.
#include <memory>
#include <vector>

#include "boxoffice/kernel/module.hpp"
#include "boxoffice/notifications/messages.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice

namespace boxoffice::notifications {

class NotificationsModule : public Module {};

// notifications.* keys: SMTP server and sender, retries, reminders, digests, unsubscribe links,
// announcement limits, simulated SMS/push providers.
std::vector<ConfigKey> configKeys();

std::unique_ptr<NotificationsModule> createModule(const ModuleDeps& deps);

}  // namespace boxoffice::notifications
