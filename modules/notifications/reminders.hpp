#pragma once
// EventReminder: `leadHours` before each Published event's start, to every user holding tickets
// for it, once per (event, user, startsAt). Only events that have not started are reminded, so a
// process that was down past an event's start never sends its reminders late; a cancelled event
// is not Published and is skipped; a rescheduled one has a new startsAt and is reminded again.
// Each step writes at most `batchSize` reminders in one transaction.
#include <chrono>
#include <memory>

#include "boxoffice/kernel/background_worker.hpp"
#include "service.hpp"

namespace boxoffice {
class Database;
}  // namespace boxoffice

namespace boxoffice::notifications {

struct ReminderSettings {
  std::chrono::hours lead{24};
  std::chrono::milliseconds pollInterval{60'000};
  int batchSize = 200;
};

class Reminders {
 public:
  Reminders(Database& store, NotificationService& service, const Clock& clock, const Logger& log,
            ReminderSettings settings);
  // One batch; returns the reminders written (tests call it directly with a ManualClock).
  int runOnce();
  void start();
  void stop();

 private:
  Database& store_;
  NotificationService& service_;
  const Clock& clock_;
  ReminderSettings settings_;
  Logger log_;
  BackgroundWorker worker_;
};

}  // namespace boxoffice::notifications
