#include "amqp_client.hpp"

#include <future>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <thread>

namespace boxoffice::testing::amqp {
namespace {

// Runs on the container's thread only; the outcome is handed over once, through the promise.
class OneMessage final : public proton::messaging_handler {
 public:
  explicit OneMessage(const SendRequest& request) : request_(request) {}
  std::future<SendOutcome> outcome() { return promise_.get_future(); }

  void on_container_start(proton::container& container) override {
    proton::connection_options options;
    options.user(request_.user).password(request_.password).sasl_allowed_mechs("PLAIN").sasl_allow_insecure_mechs(true);
    if (!request_.virtualHost.empty()) options.virtual_host(request_.virtualHost);
    container.connect(request_.url, options);
  }
  void on_connection_open(proton::connection& connection) override {
    outcome_.opened = true;
    connection.open_sender(request_.address);
  }
  void on_sendable(proton::sender& sender) override {
    if (sent_) return;
    sent_ = true;
    proton::message message(request_.body);
    message.subject(request_.subject);
    message.durable(true);
    sender.send(message);
  }
  void on_tracker_accept(proton::tracker& tracker) override {
    outcome_.accepted = true;
    finish(tracker.connection());
  }
  void on_tracker_reject(proton::tracker& tracker) override {
    refuse("rejected: " + tracker.sender().error().what());
    finish(tracker.connection());
  }
  void on_tracker_release(proton::tracker& tracker) override {
    refuse("released");
    finish(tracker.connection());
  }
  void on_sender_error(proton::sender& sender) override {
    refuse("link detached: " + sender.error().what());
    finish(sender.connection());
  }
  void on_session_error(proton::session& session) override {
    refuse("session ended: " + session.error().what());
    finish(session.connection());
  }
  void on_connection_error(proton::connection& connection) override {
    refuse("connection closed: " + connection.error().what());
    finish(connection);
  }
  void on_transport_error(proton::transport& transport) override {
    refuse("transport: " + transport.error().what());
    deliver();
  }
  void on_transport_close(proton::transport&) override {
    refuse("connection closed");
    deliver();
  }
  void on_error(const proton::error_condition& error) override { refuse(error.what()); }

 private:
  void refuse(const std::string& why) {
    if (outcome_.refusal.empty() && !outcome_.accepted) outcome_.refusal = why;
  }
  void finish(proton::connection connection) {
    deliver();
    if (connection.active()) connection.close();
  }
  void deliver() {
    if (delivered_) return;
    delivered_ = true;
    promise_.set_value(outcome_);
  }

  const SendRequest& request_;
  SendOutcome outcome_;
  std::promise<SendOutcome> promise_;
  bool sent_ = false;
  bool delivered_ = false;
};

}  // namespace

SendOutcome sendOnce(const SendRequest& request) {
  OneMessage handler(request);
  auto outcome = handler.outcome();
  proton::container container(handler);
  std::thread runner([&] { container.run(); });
  SendOutcome result;
  if (outcome.wait_for(request.timeout) == std::future_status::ready) {
    result = outcome.get();
  } else {
    result.refusal = "timeout";
  }
  container.stop();  // thread-safe; closes whatever is still open
  runner.join();
  return result;
}

}  // namespace boxoffice::testing::amqp
