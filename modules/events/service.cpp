#include "service.hpp"

#include <algorithm>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "rules.hpp"

namespace boxoffice::events {

namespace {

constexpr const char* kChangesMetric = "events_changes_total";

Problem eventNotFound() { return Problem::notFound("No such event."); }

template <class Message>
Message messageFor(const Event& event) {
  Message m;
  static_cast<messages::EventState&>(m) = toState(event);
  return m;
}

// Stores `next` as the version after `currentVersion`, changed at `now`; 412 when another
// writer got there first (the update is conditional on the version).
void storeNextVersion(soci::session& sql, Event& next, std::int64_t currentVersion, TimePoint now) {
  next.updatedAt = now;
  next.version = currentVersion + 1;
  if (!store::update(sql, next, currentVersion)) throw Problem::preconditionFailed();
}

}  // namespace

EventService::EventService(Database& db, const inventory::InventoryQueries* inventory, Logger log, Metrics& metrics,
                           const Clock& clock, std::size_t countCacheEntries, std::size_t documentCacheEntries,
                           std::size_t documentCacheBytes)
    : db_(db),
      inventory_(inventory),
      log_(std::move(log)),
      metrics_(metrics),
      clock_(clock),
      counts_(countCacheEntries),
      documents_(documentCacheEntries, documentCacheBytes) {
  metrics_.describe(kChangesMetric, "counter", "Catalogue changes announced on topic events, by message type.");
  metrics_.gaugeCallback("events_document_cache_hits_total", [this] { return static_cast<double>(documents_.hits()); });
  metrics_.describe("events_document_cache_hits_total", "counter",
                    "Event documents and list pages answered from memory (GET /api/v1/events, /events/{id}).");
  metrics_.gaugeCallback("events_document_cache_misses_total",
                         [this] { return static_cast<double>(documents_.misses()); });
  metrics_.describe("events_document_cache_misses_total", "counter",
                    "Look-ups of the document cache that had to read events.db (Drafts always do).");
  metrics_.gaugeCallback("events_document_cache_entries",
                         [this] { return static_cast<double>(documents_.eventEntries()); });
  metrics_.describe("events_document_cache_entries", "gauge", "Event documents held in memory now (not list pages).");
  metrics_.gaugeCallback("events_document_cache_bytes", [this] { return static_cast<double>(documents_.bytes()); });
  metrics_.describe("events_document_cache_bytes", "gauge",
                    "Bytes of bodies, ETags and keys the document cache holds (events and list pages).");
}

void EventService::retire(const std::optional<std::vector<std::string>>& changed) {
  counts_.invalidate();
  if (changed) {
    documents_.eventsChanged(*changed);
  } else {
    documents_.allChanged();
  }
}

void EventService::noteChange(Tx& tx) { tx.exec("UPDATE catalogue_changes SET n = n + 1 WHERE id = 1"); }

void EventService::watchOtherWriters() {
  auto changes = db_.read([](soci::session& sql) {
    long long n = 0;
    sql << "SELECT n FROM catalogue_changes WHERE id = 1", soci::into(n);
    return static_cast<std::int64_t>(n);
  });
  if (seenChanges_ && *seenChanges_ != changes) retire(std::nullopt);
  seenChanges_ = changes;
}

void EventService::announced(std::string_view type) {
  metrics_.increment(kChangesMetric, {{"type", std::string(type)}});
}

Event EventService::get(const std::optional<auth::Principal>& caller, const std::string& id) const {
  if (!isUuid(id)) throw eventNotFound();
  auto event = db_.read([&](soci::session& sql) { return store::find(sql, id); });
  if (!event || !canSee(caller, *event)) throw eventNotFound();
  return std::move(*event);
}

store::Page EventService::list(const store::ListFilter& filter, const PageRequest& page) const {
  return db_.read([&](soci::session& sql) { return store::list(sql, filter, page, &counts_); });
}

store::Page EventService::search(const std::string& query, const PageRequest& page) const {
  return db_.read([&](soci::session& sql) {
    return db_.dialect() == Dialect::Postgresql ? store::searchPostgres(sql, query, page)
                                                : store::search(sql, query, page);
  });
}

store::Page EventService::byOrganizer(const std::optional<auth::Principal>& caller, const std::string& organizerId,
                                      store::Sort sort, const PageRequest& page) const {
  store::ListFilter filter;
  filter.organizerId = organizerId;
  filter.sort = sort;
  filter.publishedOnly = !(caller && (caller->isAdmin() || caller->userId == organizerId));
  return list(filter, page);
}

std::vector<Category> EventService::categories() const {
  return db_.read([](soci::session& sql) { return store::categories(sql); });
}

std::optional<std::vector<inventory::CategoryUsage>> EventService::usage(const std::string& eventId) const {
  if (!inventory_) return std::nullopt;
  return inventory_->usage(eventId);
}

std::optional<EventView> EventService::findEvent(const std::string& eventId) const {
  auto event = db_.read([&](soci::session& sql) { return store::find(sql, eventId); });
  if (!event) return std::nullopt;
  return toState(*event);
}

Event EventService::create(const Actor& actor, EventInput input) {
  const auto& caller = actor.caller();
  Event event;
  event.id = newUuid();
  event.organizerId = caller.userId;
  if (input.organizerId && *input.organizerId != caller.userId) {
    if (!caller.isAdmin()) throw Problem::forbidden("Only an Admin may create an event for another organizer.");
    event.organizerId = *input.organizerId;
  }
  event.content = std::move(input.content);
  event.status = Status::Draft;
  event.createdAt = event.updatedAt = clock_.now();
  event.version = 1;

  write(std::vector{event.id}, [&](Tx& tx) {
    if (!store::categoryExists(tx.sql(), event.content.category)) {
      throw Problem::validation({{"category", "is not a known category (see GET /api/v1/events/categories)"}});
    }
    store::insert(tx.sql(), event);
    tx.publish(messageFor<messages::EventCreated>(event), actor.correlationId());
  });
  announced(messages::EventCreated::type);
  log_.info("event created", {{"eventId", event.id}, {"organizerId", event.organizerId}});
  return event;
}

Event EventService::loadForChange(soci::session& sql, const Actor& actor, const std::string& id) {
  if (!isUuid(id)) throw eventNotFound();
  auto event = store::find(sql, id);
  const auto& caller = actor.caller();
  // A Draft the caller may not see does not exist for them; a visible event they may not
  // change is a 403.
  if (!event || !canSee(caller, *event)) throw eventNotFound();
  if (!canEdit(caller, *event)) throw Problem::forbidden("Only the event's organizer or an Admin may change it.");
  return std::move(*event);
}

Event EventService::update(const Actor& actor, const std::string& id, EventInput input, const IfMatch& ifMatch) {
  Event result;
  bool changed = false;
  write(std::vector{id}, [&](Tx& tx) {
    auto current = loadForChange(tx.sql(), actor, id);
    checkIfMatch(ifMatch, current.version, "event");
    if (input.organizerId && *input.organizerId != current.organizerId && !actor.isAdmin()) {
      throw Problem::forbidden("Only an Admin may move an event to another organizer.");
    }
    if (input.content.category != current.content.category &&
        !store::categoryExists(tx.sql(), input.content.category)) {
      throw Problem::validation({{"category", "is not a known category (see GET /api/v1/events/categories)"}});
    }
    InventoryView inventory{inventory_ != nullptr, std::nullopt};
    if (current.status == Status::Published && inventory_) inventory.usage = inventory_->usage(current.id);
    checkEdit(current.status, current.content, input.content, inventory);

    auto fields = changedFields(current.content, input.content);
    std::string organizer = input.organizerId.value_or(current.organizerId);
    if (organizer != current.organizerId) fields.emplace_back("organizerId");
    if (fields.empty()) {
      result = std::move(current);  // nothing to change: same version, no message
      return;
    }
    Event next = current;
    next.content = std::move(input.content);
    next.organizerId = organizer;
    storeNextVersion(tx.sql(), next, current.version, clock_.now());

    auto message = messageFor<messages::EventUpdated>(next);
    message.changedFields = fields;
    if (next.content.startsAt != current.content.startsAt) {
      message.previousStartsAt = formatRfc3339(current.content.startsAt);
    }
    tx.publish(message, actor.correlationId());
    result = std::move(next);
    changed = true;
  });
  if (changed) announced(messages::EventUpdated::type);
  return result;
}

Event EventService::publish(const Actor& actor, const std::string& id, const std::optional<IfMatch>& ifMatch) {
  Event next;
  write(std::vector{id}, [&](Tx& tx) {
    auto current = loadForChange(tx.sql(), actor, id);
    checkIfMatch(ifMatch, current.version, "event");
    auto now = clock_.now();
    checkPublish(current, now);
    next = current;
    next.status = Status::Published;
    storeNextVersion(tx.sql(), next, current.version, now);
    auto message = messageFor<messages::EventPublished>(next);
    message.publishedAt = formatRfc3339(now);
    tx.publish(message, actor.correlationId());
  });
  announced(messages::EventPublished::type);
  log_.info("event published", {{"eventId", next.id}});
  return next;
}

Event EventService::cancel(const Actor& actor, const std::string& id, const std::string& reason,
                           const std::optional<IfMatch>& ifMatch) {
  Event next;
  write(std::vector{id}, [&](Tx& tx) {
    auto current = loadForChange(tx.sql(), actor, id);
    checkIfMatch(ifMatch, current.version, "event");
    checkCancel(current);
    auto now = clock_.now();
    next = current;
    next.status = Status::Cancelled;
    storeNextVersion(tx.sql(), next, current.version, now);
    auto message = messageFor<messages::EventCancelled>(next);
    message.cancelledAt = formatRfc3339(now);
    message.reason = reason;
    tx.publish(message, actor.correlationId());
  });
  announced(messages::EventCancelled::type);
  log_.info("event cancelled", {{"eventId", next.id}});
  return next;
}

void EventService::remove(const Actor& actor, const std::string& id, const std::optional<IfMatch>& ifMatch) {
  if (!isUuid(id)) throw eventNotFound();
  write(std::vector{id}, [&](Tx& tx) {
    auto current = store::find(tx.sql(), id);
    if (!current) throw eventNotFound();
    checkIfMatch(ifMatch, current->version, "event");
    auto now = clock_.now();
    if (!store::softDelete(tx.sql(), id, current->version, now)) throw Problem::preconditionFailed();
    current->updatedAt = now;
    current->version += 1;
    auto message = messageFor<messages::EventDeleted>(*current);
    message.deletedAt = formatRfc3339(now);
    tx.publish(message, actor.correlationId());
  });
  announced(messages::EventDeleted::type);
  log_.info("event deleted", {{"eventId", id}});
}

Category EventService::addCategory(const Actor& actor, Category category) {
  if (!actor.principal() || !actor.isAdmin()) throw Problem::forbidden("Only an Admin may add categories.");
  // No event document shows categories: only the list totals and pages are retired.
  bool added = write(std::vector<std::string>{},
                     [&](Tx& tx) { return store::insertCategory(tx.sql(), category, clock_.now()); });
  if (!added) {
    throw Problem::conflict("category-exists", "Category exists.",
                            "A category with slug '" + category.slug + "' exists already.");
  }
  return category;
}

int EventService::completeEnded(TimePoint now, int batchLimit) {
  // Not write(): the changed ids are known only inside, and a sweep that completes nothing must
  // retire nothing (it runs every events.completionSweepSeconds).
  int completed = db_.write([&](Tx& tx) {
    std::vector<std::string> ids;
    for (auto event : store::endedPublished(tx.sql(), now, batchLimit)) {
      auto expected = event.version;
      event.status = Status::Completed;
      event.updatedAt = now;
      event.version += 1;
      if (!store::update(tx.sql(), event, expected)) continue;
      tx.publish(messageFor<messages::EventCompleted>(event), {});
      ids.push_back(event.id);
    }
    int count = static_cast<int>(ids.size());
    if (count > 0) {
      noteChange(tx);
      tx.afterCommit([this, ids = std::move(ids)] { retire(ids); });
    }
    return count;
  });
  for (int i = 0; i < completed; ++i) announced(messages::EventCompleted::type);
  if (completed > 0) log_.info("events completed", {{"count", completed}});
  return completed;
}

void EventService::adoptCapacity(Tx& tx, const inventory::messages::CapacityChanged& change,
                                 const std::string& correlationId) {
  auto current = store::find(tx.sql(), change.eventId);
  if (!current || current->status == Status::Cancelled || current->status == Status::Completed) return;
  Event next = *current;
  auto category = std::find_if(next.content.priceCategories.begin(), next.content.priceCategories.end(),
                               [&](const PriceCategory& c) { return c.categoryId == change.categoryId; });
  if (category == next.content.priceCategories.end() || category->totalSeats == change.totalSeats) return;
  category->totalSeats = change.totalSeats;
  storeNextVersion(tx.sql(), next, current->version, clock_.now());
  noteChange(tx);
  auto message = messageFor<messages::EventUpdated>(next);
  message.changedFields = {"priceCategories"};
  tx.publish(message, correlationId);
  tx.afterCommit([this, id = next.id] {
    retire(std::vector{id});
    announced(messages::EventUpdated::type);
  });
  log_.forRequest(correlationId)
      .info("seats adopted from inventory",
            {{"eventId", change.eventId}, {"categoryId", change.categoryId}, {"totalSeats", change.totalSeats}});
}

bool EventService::loadOnce(const std::string& marker, const std::vector<Event>& events) {
  auto system = Actor::system("demo-" + newUuid());
  return write(std::nullopt, [&](Tx& tx) {
    if (store::flagSet(tx.sql(), marker)) return false;
    for (const auto& event : events) {
      if (store::find(tx.sql(), event.id)) continue;  // already there (e.g. loaded by hand)
      store::insert(tx.sql(), event);
      // Announce the history a real organizer would have made: created as a Draft (version 1),
      // then published (the stored version), so subscribers see the usual sequence.
      auto created = messageFor<messages::EventCreated>(event);
      if (event.status == Status::Published) {
        created.status = std::string(to_string(Status::Draft));
        created.version = event.version - 1;
      }
      tx.publish(created, system.correlationId());
      if (event.status == Status::Published) {
        auto published = messageFor<messages::EventPublished>(event);
        published.publishedAt = formatRfc3339(event.updatedAt);
        tx.publish(published, system.correlationId());
      }
    }
    store::setFlag(tx.sql(), marker, clock_.now());
    return true;
  });
}

}  // namespace boxoffice::events
