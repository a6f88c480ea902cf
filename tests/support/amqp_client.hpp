#pragma once
// A bare AMQP 1.0 client for tests that act as someone other than the server: connect as one
// broker user and send one message, to see what the broker does with it (accepts it, rejects it,
// or detaches the link / closes the connection). Qpid Proton C++, as the transport itself uses.
#include <chrono>
#include <string>

namespace boxoffice::testing::amqp {

struct SendOutcome {
  bool opened = false;    // the broker accepted the login and opened the connection
  bool accepted = false;  // the broker accepted the message
  std::string refusal;    // otherwise why: the link's, session's or connection's error, or "timeout"
};

struct SendRequest {
  std::string url;          // amqp://host:port
  std::string virtualHost;  // the connection's hostname, "vhost:NAME" for RabbitMQ; empty: the default
  std::string user;
  std::string password;  // SASL PLAIN without TLS (the tests' broker is on 127.0.0.1)
  std::string address;   // for example /exchange/boxoffice/events
  std::string subject;   // the message type, as the transport sets it
  std::string body;
  std::chrono::milliseconds timeout{15000};
};

SendOutcome sendOnce(const SendRequest& request);

}  // namespace boxoffice::testing::amqp
