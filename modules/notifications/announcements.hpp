#pragma once
// Organizers' announcements to an event's buyers (POST /api/v1/events/{id}/announcements). The
// route only stores the announcement; this worker writes its deliveries, `batchSize` buyers per
// transaction in user id order, remembering the last user written (`cursor`) in the same
// transaction. So the HTTP thread is free at once, the write lock is never held for a whole huge
// event, and a crash resumes where it stopped: nobody is told twice (the announcement id is every
// delivery's source) and nobody is skipped.
#include <chrono>
#include <string>
#include <vector>

#include "boxoffice/kernel/background_worker.hpp"
#include "service.hpp"

namespace boxoffice {
class Database;
class Tx;
}  // namespace boxoffice

namespace boxoffice::notifications {

struct NewAnnouncement {
  std::string announcementId, eventId, eventName, senderId, subject, body, correlationId, createdAt;
};

class Announcements {
 public:
  Announcements(Database& store, NotificationService& service, const Clock& clock, const Logger& log, int batchSize);
  // In the caller's transaction; the worker is woken after the commit.
  void add(Tx& tx, const NewAnnouncement& announcement);
  // One batch of the oldest unfinished announcement; false when none is left (tests call it
  // directly).
  bool runOnce();
  void start();
  void stop();

 private:
  Database& store_;
  NotificationService& service_;
  const Clock& clock_;
  Logger log_;
  int batchSize_;
  BackgroundWorker worker_;
};

}  // namespace boxoffice::notifications
