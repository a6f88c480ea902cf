#pragma once
// The inventory module's contract: the read-only InventoryQueries other modules may call (seats
// held and sold per price category), the module object for the composition root, and its config
// keys. Holds, confirmation, release and returns are HTTP routes and the checkout saga's
// commands (messages.hpp: HoldSeats, ConfirmSeats, ReleaseSeats, ReturnSeats), not calls; other
// modules never read inventory.db.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;      // boxoffice/kernel/config.hpp, for whoever calls configKeys()
class ClusterSignals;  // boxoffice/kernel/cluster_signals.hpp
}  // namespace boxoffice

namespace boxoffice::inventory {

struct CategoryUsage {
  std::string categoryId;
  int totalSeats = 0;
  int reservedSeats = 0;  // held, not yet paid
  int soldSeats = 0;
};

class InventoryQueries {
 public:
  virtual ~InventoryQueries() = default;
  // Seats held and sold per price category; nullopt if the event has no inventory yet.
  virtual std::optional<std::vector<CategoryUsage>> usage(const std::string& eventId) const = 0;
};

// More than one instance on one PostgreSQL database (docs/architecture.md#more-than-one-instance):
// the seats are decided in one process's memory, so one instance at a time owns them (it holds
// the inventory writer's lock) and the others forward every seat command to it.
class SeatOwnership {
 public:
  virtual ~SeatOwnership() = default;
  // Whether this instance decides seats now.
  virtual bool ownedHere() const = 0;
  // Sends `request` (a seat command this instance received) to the owner; `answer` gets the
  // owner's response, or nullopt if no owner answered (none known, unreachable, too busy, timed
  // out). Never blocks the caller; `answer` may run on another thread.
  virtual void forward(const http::Request& request, std::function<void(std::optional<http::Response>)> answer) = 0;
};

// The request header a forwarded seat command carries (the forwarding instance's id): an
// instance that is not the owner answers it with 503 instead of forwarding it again.
inline constexpr const char* kForwardedByHeader = "X-Boxoffice-Forwarded-By";

class InventoryModule : public Module {
 public:
  virtual const InventoryQueries& queries() const = 0;
  // Before start(), on an instance that shares its database with others. Seat commands go
  // through `ownership`; while another instance owns the seats, this one's engine does not run
  // and its availability is read from the database, refreshed when `signals` says the owner
  // changed an event. As the owner it tells the others on `signals` what each commit changed.
  virtual void joinCluster(SeatOwnership& ownership, ClusterSignals& signals) = 0;
  // This instance has just taken the owner's lock: memory is loaded again from the database
  // (the previous owner's last commits included) and the engine starts. Once it returned, later
  // calls do nothing; if it threw (the database, for a moment), it is called again.
  virtual void takeOver() = 0;
};

// inventory.* keys: rule defaults, group-commit batch size, live-update rate.
std::vector<ConfigKey> configKeys();
std::unique_ptr<InventoryModule> createModule(const ModuleDeps& deps);

}  // namespace boxoffice::inventory
