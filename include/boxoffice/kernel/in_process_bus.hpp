#pragma once
// The default MessageBus: subscribers' inboxes are the queues (see bus.hpp for the contract).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice {

struct DeadLetter {
  std::string id;
  std::string subscriber;
  std::string messageId;
  std::string topic;
  std::string type;
  int attempts = 0;
  std::string error;
  std::string deadAt;
  std::optional<std::string> replayedAt;
};

struct RetryPolicy {
  int maxAttempts = 5;
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds max{60000};
  // Delay before attempt `attempt + 1`, after `attempt` failures: base * 2^(attempt-1), capped.
  std::chrono::milliseconds delayAfter(int attempt) const;
};

class InProcessBus : public MessageBus {
 public:
  InProcessBus(RetryPolicy retry, Metrics& metrics, Logger log);
  ~InProcessBus() override;
  InProcessBus(const InProcessBus&) = delete;
  InProcessBus& operator=(const InProcessBus&) = delete;

  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler) override;
  void publish(const Envelope& message) override;
  void start() override;
  void stop() override;

  // Dead letters of every subscriber, newest first.
  std::vector<DeadLetter> deadLetters();
  // Puts a dead letter's message back in its subscriber's queue. Returns false if no dead letter
  // has this id; throws Problem 409 if it was replayed already.
  bool replay(const std::string& deadLetterId);

 private:
  class Worker;
  Worker* workerFor(Database& store, const std::string& subscriber);
  RetryPolicy retry_;
  Metrics& metrics_;
  Logger log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool started_ = false;
};

// Moves committed outbox rows of every registered database onto the bus.
class OutboxDispatcher {
 public:
  OutboxDispatcher(MessageBus& bus, Metrics& metrics, Logger log);
  ~OutboxDispatcher();
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;
  void addSource(Database& store);  // before start()
  void start();
  // Delivers what is committed now, then stops.
  void stop();
  // Messages committed but not yet handed to the bus, over all sources.
  std::int64_t pending();

 private:
  void run();
  bool dispatchBatch(Database& store);  // true if it moved anything
  void housekeeping();
  MessageBus& bus_;
  Metrics& metrics_;
  Logger log_;
  std::vector<Database*> sources_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool dirty_ = true;
  bool stopping_ = false;
  std::thread thread_;
  std::chrono::steady_clock::time_point lastHousekeeping_{};
};

}  // namespace boxoffice
