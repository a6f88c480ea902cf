#pragma once
// Integration messages between modules: outbox -> bus -> inbox.
//
// A module publishes by writing to its own outbox inside its write transaction (Tx::publish).
// The OutboxDispatcher (outbox_dispatcher.hpp) hands committed outbox rows to the MessageBus.
// A MessageBus is only a transport: it routes each message to the Inbox (inbox.hpp) of every
// subscriber of its topic. The in-process bus (InProcessBus) calls the inbox directly; an AMQP
// 1.0 adapter for scale-out would call it from its receiver and settle once it returns. The
// inbox stores the message durably, runs the handler inside the subscriber's own transaction and
// marks the message done in the same commit, so a message is handled exactly once per subscriber
// even though it may be delivered more than once. A failing handler is retried with exponential
// backoff; after `maxAttempts` failures it becomes a dead letter that an admin can list and
// replay (dead_letters.hpp).
#include <boost/json/object.hpp>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/topics.hpp"

namespace boxoffice {

struct Envelope {
  std::string messageId;
  std::string occurredAt;  // RFC 3339
  std::string topic;
  std::string type;  // "EventCreated"
  int version = 1;
  std::string correlationId;
  std::string causationId;
  boost::json::object payload;

  boost::json::object toJson() const;
  static Envelope fromJson(const boost::json::object& json);
};

// Runs inside the subscriber's write transaction: throw to have the message retried.
// Publishing through `tx` makes the new message's causationId default to this message's id.
using MessageHandler = std::function<void(const Envelope& message, Tx& tx)>;

// What MessageBus::deliverTo did with each message it was given.
struct DeliveryCounts {
  std::size_t delivered = 0;      // newly queued in the subscriber's inbox
  std::size_t skipped = 0;        // the inbox already holds that message id (handled or queued)
  std::size_t notSubscribed = 0;  // the subscriber has no subscription for the message's topic and type
};

// Thrown by publish/publishBatch when the transport cannot take any message now (not connected,
// stopped, no answer within its timeout), as opposed to refusing a particular message: sending
// the batch's messages one by one would only wait again for each, so the sender moves on.
class BusUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MessageBus {
 public:
  virtual ~MessageBus() = default;
  // `subscriber` names the subscription ("inventory"); `store` is the subscriber's database,
  // which holds its inbox. Register every subscription before start().
  //
  // `types` filters like a Service Bus subscription rule: only messages of those types reach
  // the subscriber's inbox (empty: every type on the topic). A topic carries more than any one
  // subscriber handles ("tickets" carries a TicketsReserved per hold that only audit reads), and
  // storing and then skipping a message costs a subscriber an insert, a savepoint and an update
  // in its own database for nothing. Two subscriptions of one subscriber to one topic store the
  // union of their types, and each handler of that topic sees every stored message (the filter
  // is the inbox's, not the handler's: subscribeMessages dispatches on the type itself).
  virtual void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                         std::vector<std::string> types) = 0;
  // Every type on the topic.
  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler) {
    subscribe(topic, std::move(subscriber), store, std::move(handler), {});
  }
  // Asks that `subscriber`'s handlers run inside the transaction that accepts each message
  // (Inbox::handleOnAccept: one transaction per delivery instead of two), after its
  // subscriptions. Only for quick handlers that write to the subscriber's own store. A transport
  // that cannot do it leaves the messages to the inbox's worker, which is just as correct.
  virtual void handleOnAccept(std::string_view /*subscriber*/) {}
  // Accepts a committed outbox message; returns once it is durably queued for every
  // subscriber of its topic (or throws, and the dispatcher tries again later).
  virtual void publish(const Envelope& message) = 0;
  // Accepts committed outbox messages, in order; returns once every one is durably queued for
  // every subscriber of its topic. Throws if any is not: some may be queued already, and the
  // sender delivers them all again (an inbox ignores a message id it holds). A transport that
  // can queue many messages at once (one transaction, one broker batch) overrides this; by
  // default the messages go one at a time. (Its own name, not a publish overload: a transport
  // that overrides only one of the two would hide the other.)
  virtual void publishBatch(std::span<const Envelope> messages) {
    for (const auto& message : messages) publish(message);
  }
  // Re-delivers messages to ONE named subscription (audit replay): each message whose topic the
  // subscriber subscribes to is queued in its inbox, which skips ids it holds (handled ids are
  // kept 7 days, see inbox.hpp). No other subscriber sees them. Throws std::invalid_argument for
  // a subscriber no subscription names, or what the inbox throws (then none of this call's
  // messages is queued: one transaction).
  virtual DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) = 0;
  // Connects the transport (a broker adapter opens its receivers). The inboxes' workers start
  // and stop on their own (Inboxes::start/stop), around the transport's start and stop.
  virtual void start() = 0;
  // Stops receiving; what is queued stays queued for the next start.
  virtual void stop() = 0;
};

}  // namespace boxoffice
