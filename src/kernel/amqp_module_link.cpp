#include "amqp_module_link.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/reconnect_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source_options.hpp>
#include <proton/ssl.hpp>
#include <proton/target_options.hpp>
#include <proton/transport.hpp>
#include <proton/value.hpp>
#include <stdexcept>

#include "boxoffice/kernel/error_text.hpp"

namespace boxoffice::amqp {

namespace {
// Messages the storing thread hands to the inbox in one accept (one transaction).
constexpr std::size_t kStoreBatch = 256;
// Messages waiting for credit, per module connection, at most this many windows.
constexpr std::size_t kPendingWindows = 4;
// How long the storing thread waits before it tries a failed accept again.
constexpr auto kStoreRetry = std::chrono::milliseconds(1000);

std::string describe(const proton::error_condition& error) {
  if (!error) return "closed";
  return error.name() + (error.description().empty() ? "" : ": " + error.description());
}

proton::duration millis(std::chrono::milliseconds ms) { return proton::duration(ms.count()); }

// The envelope's JSON, whichever way the sender encoded the body (a data section or a string).
std::optional<std::string> bodyText(const proton::message& message) {
  const auto& body = message.body();
  if (body.type() == proton::BINARY) {
    auto bytes = proton::get<proton::binary>(body);
    return std::string(bytes.begin(), bytes.end());
  }
  if (body.type() == proton::STRING) return proton::get<std::string>(body);
  return std::nullopt;
}
}  // namespace

void PublishBatch::settle(const std::string& failure, bool unavailable) {
  std::lock_guard lock(mutex_);
  if (!failure.empty() && failure_.empty()) {
    failure_ = failure;
    unavailable_ = unavailable;
  }
  if (outstanding_ > 0) --outstanding_;
  if (outstanding_ == 0 || !failure_.empty()) done_.notify_all();
}

bool PublishBatch::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!done_.wait_for(lock, timeout, [this] { return outstanding_ == 0 || !failure_.empty(); })) return false;
  if (!failure_.empty()) {
    if (unavailable_) throw BusUnavailable(failure_);
    throw std::runtime_error(failure_);
  }
  return true;
}

ModuleLink::ModuleLink(std::string module, const AmqpSettings& settings, proton::container& container,
                       proton::work_queue& queue, Metrics& metrics, Logger log)
    : module_(std::move(module)),
      settings_(settings),
      container_(container),
      queue_(queue),
      metrics_(metrics),
      log_(std::move(log)) {}

ModuleLink::~ModuleLink() {
  {
    std::lock_guard lock(receivedMutex_);
    stopStoring_ = true;
  }
  receivedSignal_.notify_all();
  if (storer_.joinable()) storer_.join();
}

void ModuleLink::addRoute(const BusRoutes::Route& route) {
  routes_.push_back(route);
  inbox_ = route.inbox;
}

void ModuleLink::connect(std::string password) {
  password_ = std::move(password);
  if (inbox_ != nullptr) storer_ = std::thread([this] { storeLoop(); });
  {
    std::lock_guard lock(stateMutex_);
    lastError_ = "connecting";
  }
  queue_.add([this] { openConnection(); });
}

void ModuleLink::openConnection() {
  if (closing_) return;
  proton::connection_options options(*this);
  proton::reconnect_options reconnect;
  reconnect.delay(millis(settings_.reconnectMin))
      .delay_multiplier(2.0F)
      .max_delay(millis(settings_.reconnectMax))
      .max_attempts(0);
  options.reconnect(reconnect).container_id("boxoffice-" + module_).idle_timeout(proton::duration(60000));
  if (!settings_.virtualHost.empty()) options.virtual_host(settings_.virtualHost);
  auto user = settings_.userOf(module_);
  if (user.empty()) {
    options.sasl_allowed_mechs("ANONYMOUS");
  } else {
    options.user(user).password(password_).sasl_allowed_mechs("PLAIN");
    if (settings_.allowPlainWithoutTls) options.sasl_allow_insecure_mechs(true);
  }
  if (settings_.tls()) options.ssl_client_options(proton::ssl_client_options());
  connection_ = container_.connect(settings_.url, options);
  haveConnection_ = true;
  std::lock_guard lock(queueMutex_);
  connectionQueue_ = &connection_.work_queue();
}

void ModuleLink::setState(bool connected, const std::string& error) {
  std::lock_guard lock(stateMutex_);
  connected_ = connected;
  if (!connected) receiversAttached_ = 0;
  lastError_ = error;
}

std::optional<std::string> ModuleLink::notReady() const {
  std::lock_guard lock(stateMutex_);
  // /ready answers anyone: the broker's own error text (user names, queue names, why a login
  // failed) goes to the log where it happened, never into this answer.
  if (!connected_) return module_ + " is not connected to the message broker";
  if (receiving_.load() && receiversAttached_ < static_cast<int>(routes_.size())) {
    return module_ + " has " + std::to_string(receiversAttached_) + " of " + std::to_string(routes_.size()) +
           " broker receivers attached";
  }
  return std::nullopt;
}

void ModuleLink::on_connection_open(proton::connection& connection) {
  connection_ = connection;
  reopenDelay_ = std::chrono::milliseconds(0);
  bool again = connection.reconnected();
  setState(true, "");
  log_.info(again ? "reconnected to the message broker" : "connected to the message broker",
            {{"module", module_}, {"url", settings_.url}});
  if (receiving_.load()) openReceivers();
  pump();
}

void ModuleLink::openReceivers() {
  // Once per connection object: after a reconnect Proton re-opens the links it had, and
  // opening them again would double them. (A connection whose first attempts failed counts as
  // reconnected already, so connection.reconnected() cannot tell.)
  if (receiversOpened_) return;
  receiversOpened_ = true;
  for (const auto& route : routes_) {
    auto address = settings_.receiveAddressOf(route.topic, module_);
    proton::source_options source;
    source.address(address).durability_mode(proton::source::UNSETTLED_STATE).expiry_policy(proton::source::NEVER);
    proton::receiver_options options;
    options.name("boxoffice-" + module_ + "-" + route.topic).credit_window(0).auto_accept(false).source(source);
    receivers_.emplace(connection_.open_receiver(address, options), &route);
  }
}

void ModuleLink::startReceiving() {
  if (receiving_.exchange(true)) return;
  post([this] {
    if (haveConnection_ && !closing_ && connection_.active()) openReceivers();
  });
}

void ModuleLink::on_receiver_open(proton::receiver& receiver) {
  // Credit is granted by hand, one per settled delivery: at most `prefetch` messages wait for
  // the inbox. After a reconnect the undelivered credit is topped up again.
  auto credit = receiver.credit();
  if (credit < settings_.prefetch) receiver.add_credit(static_cast<std::uint32_t>(settings_.prefetch - credit));
  std::lock_guard lock(stateMutex_);
  ++receiversAttached_;
}

void ModuleLink::on_receiver_error(proton::receiver& receiver) {
  auto error = describe(receiver.error());
  log_.error("the broker refused a receiver",
             {{"module", module_}, {"address", receiver.source().address()}, {"error", error}});
  {
    std::lock_guard lock(stateMutex_);
    lastError_ = "receiver " + receiver.source().address() + ": " + error;
  }
  restartConnection();
}

void ModuleLink::on_receiver_detach(proton::receiver&) { linkGone(true); }
void ModuleLink::on_receiver_close(proton::receiver&) { linkGone(true); }
void ModuleLink::on_sender_detach(proton::sender&) { linkGone(false); }

void ModuleLink::on_sender_close(proton::sender& sender) {
  // A sender the broker closed is made again on the next message of its topic.
  for (auto it = senders_.begin(); it != senders_.end(); ++it) {
    if (it->second == sender) {
      senders_.erase(it);
      break;
    }
  }
  linkGone(false);
}

void ModuleLink::on_sender_error(proton::sender& sender) {
  auto error = describe(sender.error());
  log_.error("the broker refused a sender",
             {{"module", module_}, {"address", sender.target().address()}, {"error", error}});
  failAll("the broker refused sender " + sender.target().address() + ": " + error);
}

void ModuleLink::linkGone(bool receiver) {
  if (!closing_) {
    // The broker detached or closed a link and left the connection open (a deleted queue, a
    // policy, an operator's action). Proton does not re-attach it, and nothing else would: a
    // receiver would stay silent for good, a sender keep failing its topic. Treat it as the
    // connection failing: a new one after the backoff opens every link again.
    {
      std::lock_guard lock(stateMutex_);
      if (receiver && receiversAttached_ > 0) --receiversAttached_;
      if (lastError_.empty()) lastError_ = receiver ? "the broker detached a receiver" : "the broker detached a sender";
    }
    log_.warn("the message broker detached a link; reconnecting",
              {{"module", module_}, {"link", receiver ? "receiver" : "sender"}});
    failAll("the message broker detached a link");
    restartConnection();
    return;
  }
  if (--openLinks_ <= 0 && connection_.active()) connection_.close();
}

void ModuleLink::on_transport_error(proton::transport& transport) {
  auto error = describe(transport.error());
  bool wasConnected = false;
  {
    std::lock_guard lock(stateMutex_);
    wasConnected = connected_;
  }
  setState(false, error);
  if (wasConnected) {
    log_.warn("lost the connection to the message broker; reconnecting", {{"module", module_}, {"error", error}});
  } else {
    log_.debug("cannot reach the message broker; retrying", {{"module", module_}, {"error", error}});
  }
  failAll("the connection to the message broker was lost: " + error);
  // Deliveries of the old connection cannot be settled any more: the broker delivers them again.
  deliveries_.clear();
}

void ModuleLink::on_connection_error(proton::connection& connection) {
  auto error = describe(connection.error());
  setState(false, error);
  log_.warn("the message broker closed the connection", {{"module", module_}, {"error", error}});
  failAll("the message broker closed the connection: " + error);
  deliveries_.clear();
}

void ModuleLink::on_session_error(proton::session& session) {
  auto error = describe(session.error());
  log_.warn("the message broker ended a session", {{"module", module_}, {"error", error}});
  {
    std::lock_guard lock(stateMutex_);
    lastError_ = error;
  }
  restartConnection();
}

void ModuleLink::restartConnection() {
  // Links the broker ended are not re-opened by Proton's reconnect: start over with a new
  // connection (on_transport_close opens it after the backoff), which opens every link again.
  if (!closing_ && haveConnection_ && !connection_.closed()) connection_.close();
}

void ModuleLink::on_error(const proton::error_condition& error) {
  log_.warn("message broker error", {{"module", module_}, {"error", describe(error)}});
}

void ModuleLink::on_transport_close(proton::transport&) {
  // The final event of a connection: closed by us (stopping, or restartConnection), or ended for
  // good by the broker (then a new connection follows after a backoff, see below).
  senders_.clear();
  receivers_.clear();
  receiversOpened_ = false;
  deliveries_.clear();
  openLinks_ = 0;
  haveConnection_ = false;
  {
    std::lock_guard lock(queueMutex_);
    connectionQueue_ = nullptr;
  }
  if (!closing_) {
    failAll("the connection to the message broker was closed");
    {
      std::lock_guard lock(stateMutex_);
      connected_ = false;
      receiversAttached_ = 0;
      if (lastError_.empty()) lastError_ = "connection closed";
    }
    // A broker that shuts down closes with an error (RabbitMQ: amqp:internal-error "shutdown"),
    // which Proton does not reconnect after: a new connection, with the same backoff.
    reopenDelay_ = std::clamp(reopenDelay_ * 2, settings_.reconnectMin, settings_.reconnectMax);
    queue_.schedule(millis(reopenDelay_), [this] { openConnection(); });
    return;
  }
  std::lock_guard lock(stateMutex_);
  connected_ = false;
  closed_ = true;
  closedSignal_.notify_all();
}

// --- publishing ------------------------------------------------------------------------------

void ModuleLink::publish(std::span<const Envelope> messages) {
  if (messages.empty()) return;
  {
    std::lock_guard lock(stateMutex_);
    if (!connected_) throw BusUnavailable(module_ + " is not connected to the message broker (" + lastError_ + ")");
  }
  auto batch = std::make_shared<PublishBatch>(messages.size());
  std::vector<Outgoing> outgoing;
  outgoing.reserve(messages.size());
  for (const auto& envelope : messages) {
    auto json = boost::json::serialize(envelope.toJson());
    proton::message message;
    message.id(proton::message_id(envelope.messageId));
    message.subject(envelope.type);
    message.content_type("application/json");
    message.durable(true);
    if (!envelope.correlationId.empty()) message.correlation_id(proton::message_id(envelope.correlationId));
    message.body(proton::binary(json.begin(), json.end()));
    outgoing.push_back({batch, envelope.topic, std::move(message)});
  }
  if (!post([this, items = std::move(outgoing)]() mutable { enqueue(std::move(items)); })) {
    throw BusUnavailable("the message bus is stopped");
  }
  if (!batch->wait(settings_.publishTimeout)) {
    // Forget the batch: its unsent messages leave the queue and its outstanding deliveries stop
    // taking up the window (a late outcome for one is ignored). The caller sends the rows again.
    post([this, batch] { cancel(batch); });
    throw BusUnavailable("the message broker did not answer within " +
                         std::to_string(settings_.publishTimeout.count()) + " ms");
  }
}

void ModuleLink::enqueue(std::vector<Outgoing> messages) {
  bool up = false;
  {
    std::lock_guard lock(stateMutex_);
    up = connected_;
  }
  if (!up || closing_) {
    for (auto& item : messages) item.batch->settle("not connected to the message broker", true);
    return;
  }
  // Bounded: a batch is refused while the queue already holds more than a few windows.
  auto bound = static_cast<std::size_t>(std::max(settings_.window, 1)) * kPendingWindows;
  if (!pending_.empty() && pending_.size() + messages.size() > bound) {
    for (auto& item : messages) item.batch->settle("too many messages waiting for the message broker", true);
    metrics_.increment("bus_amqp_refused_total", {{"module", module_}});
    return;
  }
  for (auto& item : messages) pending_.push_back(std::move(item));
  pump();
}

void ModuleLink::cancel(const std::shared_ptr<PublishBatch>& batch) {
  std::erase_if(pending_, [&](const Outgoing& item) { return item.batch == batch; });
  std::erase_if(inflight_, [&](const auto& entry) { return entry.second == batch; });
  pump();
}

proton::sender ModuleLink::senderFor(const std::string& topic) {
  auto it = senders_.find(topic);
  if (it != senders_.end()) return it->second;
  auto address = settings_.sendAddressOf(topic);
  proton::target_options target;
  target.address(address).durability_mode(proton::target::UNSETTLED_STATE).expiry_policy(proton::target::NEVER);
  proton::sender_options options;
  options.name("boxoffice-" + module_ + "-to-" + topic).target(target);
  auto sender = connection_.open_sender(address, options);
  senders_.emplace(topic, sender);
  return sender;
}

void ModuleLink::pump() {
  // In order, within the window: a message waits for its sender's credit, and so do the ones
  // behind it (the dispatcher's batches are in outbox order).
  while (haveConnection_ && !pending_.empty() && static_cast<int>(inflight_.size()) < settings_.window && !closing_ &&
         connection_.active()) {
    auto& next = pending_.front();
    auto sender = senderFor(next.topic);
    if (!sender.active() || sender.credit() <= 0) return;
    auto tracker = sender.send(next.message);
    inflight_.emplace(tracker, next.batch);
    metrics_.increment("bus_amqp_sent_total", {{"module", module_}, {"topic", next.topic}});
    pending_.pop_front();
  }
}

void ModuleLink::on_sendable(proton::sender&) { pump(); }

void ModuleLink::finishTracker(proton::tracker& tracker, const std::string& failure) {
  auto it = inflight_.find(tracker);
  if (it == inflight_.end()) return;
  it->second->settle(failure);
  inflight_.erase(it);
  metrics_.increment(failure.empty() ? "bus_amqp_accepted_total" : "bus_amqp_refused_total", {{"module", module_}});
  pump();
}

void ModuleLink::on_tracker_accept(proton::tracker& tracker) { finishTracker(tracker, ""); }
void ModuleLink::on_tracker_reject(proton::tracker& tracker) {
  finishTracker(tracker, "the message broker rejected a message");
}
void ModuleLink::on_tracker_release(proton::tracker& tracker) {
  finishTracker(tracker, "the message broker released a message (not delivered)");
}
void ModuleLink::on_tracker_settle(proton::tracker& tracker) {
  // Settled with no outcome above (modified, or none): not accepted, so not delivered.
  finishTracker(tracker, "the message broker settled a message without accepting it");
}

void ModuleLink::failAll(const std::string& reason) {
  // Connection or sender gone: nothing of any batch can go out now.
  for (auto& item : pending_) item.batch->settle(reason, true);
  pending_.clear();
  for (auto& [tracker, batch] : inflight_) batch->settle(reason, true);
  inflight_.clear();
}

// --- receiving -------------------------------------------------------------------------------

void ModuleLink::on_message(proton::delivery& delivery, proton::message& message) {
  auto receiver = delivery.receiver();
  auto route = receivers_.find(receiver);
  auto text = bodyText(message);
  std::optional<Envelope> envelope;
  if (text) {
    try {
      envelope = Envelope::fromJson(boost::json::parse(*text).as_object());
    } catch (const std::exception&) {
      envelope.reset();
    }
  }
  if (route == receivers_.end() || !envelope) {
    // Nothing can ever make this message readable: reject it (the broker dead-letters or drops it).
    log_.error("rejected an unreadable message from the broker",
               {{"module", module_}, {"address", receiver.source().address()}});
    delivery.reject();
    receiver.add_credit(1);
    return;
  }
  metrics_.increment("bus_amqp_received_total", {{"module", module_}, {"topic", route->second->topic}});
  if (message.delivery_count() > 0 || !message.first_acquirer()) {
    metrics_.increment("bus_amqp_redelivered_total", {{"module", module_}, {"topic", route->second->topic}});
  }
  if (!route->second->wants(*envelope)) {
    // A type this subscription does not store (bus.hpp: the types filter): done with it. Accepted,
    // not rejected: a queue receives every message of its topic, so a type another subscriber of
    // the topic wants arrives here too by design (docs/deployment.md); rejecting it would fill a
    // dead-letter queue with normal traffic. Counted and logged once per type so a publisher
    // that sends something no one stores is visible.
    skipUnwanted(route->second->topic, envelope->type);
    delivery.accept();
    receiver.add_credit(1);
    return;
  }
  auto id = ++nextDelivery_;
  deliveries_.emplace(id, delivery);
  {
    std::lock_guard lock(receivedMutex_);
    received_.push_back({id, std::move(*envelope), std::move(*text)});
  }
  receivedSignal_.notify_one();
}

void ModuleLink::skipUnwanted(const std::string& topic, const std::string& type) {
  // The type comes from the broker, so the metric is labelled by module and topic only, and the
  // set of types already logged is capped: a flood of invented types cannot grow either.
  constexpr std::size_t kUnwantedTypesLogged = 256;
  metrics_.increment("bus_amqp_unwanted_total", {{"module", module_}, {"topic", topic}});
  if (unwantedTypesLogged_.size() >= kUnwantedTypesLogged || !unwantedTypesLogged_.insert(type).second) return;
  log_.info("accepted a message of a type this module does not store (logged once per type)",
            {{"module", module_}, {"topic", topic}, {"type", type}});
}

void ModuleLink::storeLoop() {
  std::vector<Received> batch;
  std::vector<SerializedEnvelope> items;
  while (true) {
    {
      std::unique_lock lock(receivedMutex_);
      receivedSignal_.wait(lock, [this] { return stopStoring_ || !received_.empty(); });
      if (stopStoring_) return;
      batch.clear();
      while (!received_.empty() && batch.size() < kStoreBatch) {
        batch.push_back(std::move(received_.front()));
        received_.pop_front();
      }
    }
    items.clear();
    for (const auto& r : batch) items.push_back({&r.message, r.json});
    // Commit first, settle after: a message is accepted by the broker only once it is durable in
    // the inbox. Should the settlement be lost, the broker delivers it again and the inbox skips it.
    while (true) {
      try {
        inbox_->accept(items);
        break;
      } catch (const std::exception& e) {
        log_.error("storing messages from the broker failed; will retry",
                   {{"module", module_}, {"messages", items.size()}, {"error", errorText(e)}});
        std::unique_lock lock(receivedMutex_);
        if (receivedSignal_.wait_for(lock, kStoreRetry, [this] { return stopStoring_; })) return;
      }
    }
    std::vector<std::uint64_t> ids;
    ids.reserve(batch.size());
    for (const auto& r : batch) ids.push_back(r.id);
    post([this, ids = std::move(ids)] { settleStored(ids); });
  }
}

void ModuleLink::settleStored(const std::vector<std::uint64_t>& ids) {
  std::map<proton::receiver, std::uint32_t> credit;
  for (auto id : ids) {
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) continue;  // from a connection that is gone
    auto receiver = it->second.receiver();
    it->second.accept();
    deliveries_.erase(it);
    ++credit[receiver];
  }
  if (closing_) return;
  for (const auto& [settled, count] : credit) {
    proton::receiver receiver = settled;
    receiver.add_credit(count);
  }
}

// --- closing ---------------------------------------------------------------------------------

void ModuleLink::close(std::chrono::milliseconds timeout) {
  beginStop();
  waitClosed(std::chrono::steady_clock::now() + timeout);
}

void ModuleLink::beginStop() {
  {
    std::lock_guard lock(receivedMutex_);
    stopStoring_ = true;
  }
  receivedSignal_.notify_all();
  if (storer_.joinable()) storer_.join();  // its last settlements are queued before the close below
  if (!post([this] { beginClose(); })) {
    std::lock_guard lock(stateMutex_);
    closed_ = true;  // the container is gone: nothing to wait for
  }
}

void ModuleLink::waitClosed(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(stateMutex_);
  closedSignal_.wait_until(lock, deadline, [this] { return closed_; });
}

void ModuleLink::beginClose() {
  closing_ = true;
  failAll("the message bus is stopping");
  if (!haveConnection_) {
    std::lock_guard lock(stateMutex_);
    closed_ = true;
    closedSignal_.notify_all();
    return;
  }
  if (!connection_.active()) {
    connection_.close();  // not connected: stops the reconnect attempts
    return;
  }
  // Detach before closing: RabbitMQ drops dispositions that arrive together with the close.
  openLinks_ = 0;
  for (auto receiver : connection_.receivers()) {
    if (receiver.active()) {
      receiver.detach();
      ++openLinks_;
    }
  }
  for (auto sender : connection_.senders()) {
    if (sender.active()) {
      sender.detach();
      ++openLinks_;
    }
  }
  if (openLinks_ == 0) connection_.close();
}

}  // namespace boxoffice::amqp
