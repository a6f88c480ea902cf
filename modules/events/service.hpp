#pragma once
// The events use cases: each validates what needs stored state, applies the change and writes
// its message to the outbox in the same transaction. HTTP handlers call these and only render.
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/events/api.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/actor.hpp"
#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/preconditions.hpp"
#include "count_cache.hpp"
#include "document_cache.hpp"
#include "model.hpp"
#include "store.hpp"

namespace boxoffice::events {

class EventService : public EventQueries {
 public:
  // `countCacheEntries`: list totals remembered until the next change (0: none; count_cache.hpp).
  // `documentCacheEntries`: public event documents kept in memory (0: none), in at most
  // `documentCacheBytes` of bodies (document_cache.hpp).
  // `clock` stamps createdAt/updatedAt and the messages' times, and decides what has ended.
  EventService(Database& db, const inventory::InventoryQueries* inventory, Logger log, Metrics& metrics,
               const Clock& clock, std::size_t countCacheEntries = 1024, std::size_t documentCacheEntries = 20000,
               std::size_t documentCacheBytes = std::size_t{16} << 20);

  // Reads. get() throws 404 for an unknown, deleted or (to this caller) invisible event.
  Event get(const std::optional<auth::Principal>& caller, const std::string& id) const;
  store::Page list(const store::ListFilter& filter, const PageRequest& page) const;
  store::Page search(const std::string& query, const PageRequest& page) const;
  // Published events of an organizer; all of them for that organizer and for Admins.
  store::Page byOrganizer(const std::optional<auth::Principal>& caller, const std::string& organizerId,
                          store::Sort sort, const PageRequest& page) const;
  std::vector<Category> categories() const;
  // Seats per price category as inventory reports them (nullopt: unknown).
  std::optional<std::vector<inventory::CategoryUsage>> usage(const std::string& eventId) const;

  // Changes. Each publishes its message (EventCreated, ...) through the outbox.
  Event create(const Actor& actor, EventInput input);
  Event update(const Actor& actor, const std::string& id, EventInput input, const IfMatch& ifMatch);
  Event publish(const Actor& actor, const std::string& id, const std::optional<IfMatch>& ifMatch);
  Event cancel(const Actor& actor, const std::string& id, const std::string& reason,
               const std::optional<IfMatch>& ifMatch);
  void remove(const Actor& actor, const std::string& id, const std::optional<IfMatch>& ifMatch);
  Category addCategory(const Actor& actor, Category category);

  // Published events whose endsAt passed become Completed (EventCompleted). Returns how many.
  int completeEnded(TimePoint now, int batchLimit = 100);
  // Drops every cached document and list total if the catalogue's change counter moved since the
  // last call (another instance wrote; this one's own writes retire what they change already,
  // and are dropped once more here, which costs only a refill). The first call only reads it.
  void watchOtherWriters();
  // Inserts `events` (with their ids and statuses) and their messages once, guarded by the
  // flag `marker`. Returns false if the flag was already set.
  bool loadOnce(const std::string& marker, const std::vector<Event>& events);
  // Inventory changed a category's seats (its capacity route, or keeping seats sold meanwhile):
  // the event takes the same number, as a new version announced with EventUpdated. Nothing
  // happens when the event already says so, or no longer has the category or can change.
  void adoptCapacity(Tx& tx, const inventory::messages::CapacityChanged& change, const std::string& correlationId);

  // EventQueries
  std::optional<EventView> findEvent(const std::string& eventId) const override;

  // Rendered public documents (the routes fill and serve them); every commit above retires
  // what it changed, after COMMIT and before the call returns.
  DocumentCache& documents() const { return documents_; }

 private:
  static Event loadForChange(soci::session& sql, const Actor& actor, const std::string& id);
  void announced(std::string_view type);
  // Database::write that, once the change is committed, retires the cached list totals, every
  // cached list page and the cached documents of the events `changed` names; all cached
  // documents when it is nullopt (a change not known event by event).
  template <class F>
  auto write(const std::optional<std::vector<std::string>>& changed, F&& work) {
    return db_.write([&](Tx& tx) {
      noteChange(tx);
      tx.afterCommit([this, changed] { retire(changed); });
      return work(tx);
    });
  }
  // Raises the catalogue's change counter in `tx`: other instances on the same database drop
  // their caches when they see it move (watchOtherWriters).
  static void noteChange(Tx& tx);
  void retire(const std::optional<std::vector<std::string>>& changed);

  Database& db_;
  const inventory::InventoryQueries* inventory_;
  Logger log_;
  Metrics& metrics_;
  const Clock& clock_;
  mutable CountCache counts_;
  mutable DocumentCache documents_;
  std::optional<std::int64_t> seenChanges_;  // watchOtherWriters' last reading (its worker only)
};

}  // namespace boxoffice::events
