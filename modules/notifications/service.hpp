#pragma once
// Turns "tell this user X" into deliveries: the reader's preferences choose the channels (with a
// Suppressed entry, and its reason, where a category is off or an address is missing), the
// templates write each one, and the deliveries are stored — all in the caller's transaction (the
// inbox transaction of the causing message), so a redelivered message adds nothing.
#include <chrono>
#include <functional>
#include <string>

#include "catalogue.hpp"
#include "deliveries.hpp"
#include "model.hpp"

namespace boxoffice {
class Clock;
class Tx;
}  // namespace boxoffice

namespace boxoffice::notifications {

class UnsubscribeTokens;

// Seams: module.cpp adapts Templates and Deliveries; unit tests pass fakes.
class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual Rendered render(std::string_view type, Channel channel, const Reader& reader,
                          const Variables& variables) const = 0;
};
class DeliverySink {
 public:
  virtual ~DeliverySink() = default;
  virtual bool enqueue(Tx& tx, const NewDelivery& delivery) = 0;
};

// One notification for one user, or for a guest: an email address with no account behind it
// (someone a ticket was passed to), who gets one email in English and has no preferences.
struct Notification {
  std::string type;  // catalogue.hpp
  std::string userId;
  Variables variables;   // the type's variables except userName, appName and unsubscribeUrl
  std::string sourceId;  // the causing message's id (or announcement id, reminder key)
  std::string correlationId;
  std::string guestEmail = {};  // set (and userId empty) for a guest
  std::string claimPath = {};   // the path under notifications.publicBaseUrl the `claimUrl` variable names
};

struct ServiceSettings {
  std::string appName = "boxoffice";
  std::string publicBaseUrl = "http://localhost:8080";
  int digestHour = 8;  // local hour of the daily digest
};

class NotificationService {
 public:
  NotificationService(const Renderer& renderer, DeliverySink& sink, const UnsubscribeTokens& tokens, const Clock& clock,
                      ServiceSettings settings);
  // Returns the deliveries stored (Suppressed ones included).
  int notify(Tx& tx, const Notification& notification);
  // For batches (reminders, announcements): notify inside a savepoint; one that cannot be
  // written (e.g. a template that no longer renders) is rolled back alone, logged and skipped, so
  // one reader never holds up everyone after them. Returns false when skipped.
  bool notifyOrSkip(Tx& tx, const Notification& notification, const Logger& log);
  std::string unsubscribeUrl(const std::string& userId, Channel channel, Category category) const;

 private:
  int notifyGuest(Tx& tx, const Notification& n, const NotificationTypeSpec& spec);
  // The notification's variables plus those every type may name (userName, appName,
  // unsubscribeUrl, claimUrl), for the types that declare them.
  Variables withCommonVariables(const NotificationTypeSpec& spec, const Notification& n, const std::string& userName,
                                const std::string& unsubscribe) const;

  const Renderer& renderer_;
  DeliverySink& sink_;
  const UnsubscribeTokens& tokens_;
  const Clock& clock_;
  ServiceSettings settings_;
};

// The next `hour`:00 in `timezone` strictly after `now` (ICU: correct across DST changes; an
// hour skipped by a spring-forward change is taken as the first valid time after it).
std::chrono::sys_seconds nextDigestAt(std::chrono::sys_seconds now, const std::string& timezone, int hour);

}  // namespace boxoffice::notifications
