#pragma once
// One module's connection to the AMQP 1.0 broker (amqp_bus.hpp): its own broker user, a sender
// per topic it publishes, a receiver per topic it subscribes to. Every Proton handle (connection,
// link, delivery, tracker) lives on the container's thread only; other threads reach it through
// the container's work queue and wait on plain C++ state. Kept out of the public header so only
// the transport's own files see Proton.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>
#include <proton/work_queue.hpp>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "boxoffice/kernel/amqp_settings.hpp"
#include "boxoffice/kernel/bus_routes.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice::amqp {

// What a publishing thread waits for: the broker's outcome of every message it handed over.
class PublishBatch {
 public:
  explicit PublishBatch(std::size_t messages) : outstanding_(messages) {}
  // One message accepted (empty `failure`), or not (the batch fails with the first reason).
  // `unavailable`: the failure is the transport's (connection lost), not this message's.
  void settle(const std::string& failure = {}, bool unavailable = false);
  // False on timeout; otherwise the first failure is thrown: BusUnavailable if the transport
  // failed, std::runtime_error if the broker refused a message.
  bool wait(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t outstanding_;
  std::string failure_;
  bool unavailable_ = false;
};

class ModuleLink final : public proton::messaging_handler {
 public:
  ModuleLink(std::string module, const AmqpSettings& settings, proton::container& container, proton::work_queue& queue,
             Metrics& metrics, Logger log);
  ~ModuleLink() override;
  ModuleLink(const ModuleLink&) = delete;
  ModuleLink& operator=(const ModuleLink&) = delete;

  const std::string& module() const { return module_; }
  // Before connect(): a subscription of this module (its inbox receives the route's topic).
  void addRoute(const BusRoutes::Route& route);
  // Opens the connection (on the Proton thread) and starts storing what arrives. Reconnects on
  // its own with backoff until close().
  void connect(std::string password);
  // Before connect(): the connection opens without its receivers (another instance consumes
  // this module's queues) until startReceiving().
  void deferReceiving() { receiving_.store(false); }
  // Any thread: attaches the receivers now if connected, else when the connection opens.
  void startReceiving();
  // Sends the messages and returns once the broker accepted every one; throws if it is not
  // connected, any outcome is not "accepted", or no outcome arrives within the publish timeout.
  void publish(std::span<const Envelope> messages);
  // Stops storing, detaches the links (after the settlements already queued, which a close
  // right behind them would lose), closes the connection; waits at most `timeout`.
  void close(std::chrono::milliseconds timeout);
  // close() in two halves, so a bus closes every module's connection at once under one deadline:
  // beginStop() returns as soon as the close is under way; waitClosed() waits until `deadline`.
  void beginStop();
  void waitClosed(std::chrono::steady_clock::time_point deadline);
  // nullopt while connected with every receiver attached; otherwise what is missing.
  std::optional<std::string> notReady() const;

  // Proton thread only.
  void on_connection_open(proton::connection& connection) override;
  void on_transport_error(proton::transport& transport) override;
  void on_transport_close(proton::transport& transport) override;
  void on_connection_error(proton::connection& connection) override;
  void on_session_error(proton::session& session) override;
  // Whatever else the broker reports: logged (Proton's default throws, ending its thread).
  void on_error(const proton::error_condition& error) override;
  void on_receiver_open(proton::receiver& receiver) override;
  void on_receiver_error(proton::receiver& receiver) override;
  void on_receiver_detach(proton::receiver& receiver) override;
  void on_receiver_close(proton::receiver& receiver) override;
  void on_sender_error(proton::sender& sender) override;
  void on_sender_detach(proton::sender& sender) override;
  void on_sender_close(proton::sender& sender) override;
  void on_sendable(proton::sender& sender) override;
  void on_tracker_accept(proton::tracker& tracker) override;
  void on_tracker_reject(proton::tracker& tracker) override;
  void on_tracker_release(proton::tracker& tracker) override;
  void on_tracker_settle(proton::tracker& tracker) override;
  void on_message(proton::delivery& delivery, proton::message& message) override;

 private:
  struct Outgoing {
    std::shared_ptr<PublishBatch> batch;
    std::string topic;
    proton::message message;
  };
  struct Received {
    std::uint64_t id;
    Envelope message;
    std::string json;
  };
  // Any thread: runs `fn` on the Proton thread, in the connection's context while there is one
  // (what it changes is then written out at once), else on the container's queue.
  template <class Fn>
  bool post(Fn&& fn) {
    std::lock_guard lock(queueMutex_);
    if (connectionQueue_ != nullptr) return connectionQueue_->add(std::forward<Fn>(fn));
    return queue_.add(std::forward<Fn>(fn));
  }
  // Proton thread.
  void openConnection();
  void enqueue(std::vector<Outgoing> messages);
  // Drops a timed-out batch: its queued messages and its outstanding deliveries.
  void cancel(const std::shared_ptr<PublishBatch>& batch);
  void pump();
  proton::sender senderFor(const std::string& topic);
  void finishTracker(proton::tracker& tracker, const std::string& failure);
  void failAll(const std::string& reason);
  void settleStored(const std::vector<std::uint64_t>& ids);
  void linkGone(bool receiver);
  // A message of a type this subscription does not store: counted, logged once per type.
  void skipUnwanted(const std::string& topic, const std::string& type);
  void restartConnection();
  void beginClose();
  void setState(bool connected, const std::string& error);
  // Proton thread: a receiver per subscribed topic on connection_, once per connection.
  void openReceivers();
  // The storing thread: received messages -> the inbox, then their settlement.
  void storeLoop();

  std::string module_;
  const AmqpSettings& settings_;
  proton::container& container_;
  proton::work_queue& queue_;
  Metrics& metrics_;
  Logger log_;
  std::string password_;
  std::vector<BusRoutes::Route> routes_;
  Inbox* inbox_ = nullptr;

  // Proton thread only.
  proton::connection connection_;
  bool haveConnection_ = false;               // connection_ is open or reconnecting
  bool receiversOpened_ = false;              // on connection_, once
  std::chrono::milliseconds reopenDelay_{0};  // before a new connection after one ended for good
  std::map<std::string, proton::sender> senders_;
  std::map<proton::receiver, const BusRoutes::Route*> receivers_;
  std::deque<Outgoing> pending_;
  std::map<proton::tracker, std::shared_ptr<PublishBatch>> inflight_;
  std::unordered_map<std::uint64_t, proton::delivery> deliveries_;
  std::uint64_t nextDelivery_ = 0;
  std::set<std::string> unwantedTypesLogged_;  // Proton thread only; bounded by kUnwantedTypesLogged
  int openLinks_ = 0;
  bool closing_ = false;

  // Shared with other threads.
  std::atomic<bool> receiving_{true};
  std::mutex queueMutex_;
  proton::work_queue* connectionQueue_ = nullptr;
  mutable std::mutex stateMutex_;
  bool connected_ = false;
  int receiversAttached_ = 0;
  std::string lastError_;
  std::condition_variable closedSignal_;
  bool closed_ = false;

  std::mutex receivedMutex_;
  std::condition_variable receivedSignal_;
  std::deque<Received> received_;
  bool stopStoring_ = false;
  std::thread storer_;
};

}  // namespace boxoffice::amqp
