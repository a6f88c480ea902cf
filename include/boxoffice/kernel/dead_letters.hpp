#pragma once
// Messages a subscriber could not handle after every retry, and how an admin puts one back.
// The admin routes see only this interface, not the transport that delivered the message.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

struct DeadLetterPage {
  std::vector<DeadLetter> items;
  std::int64_t totalItems = 0;
};

class DeadLetterAdmin {
 public:
  virtual ~DeadLetterAdmin() = default;
  // Dead letters of every subscriber, newest first: at most `limit` of them, skipping `offset`.
  virtual DeadLetterPage list(std::int64_t offset, std::int64_t limit) = 0;
  // Puts a dead letter's message back in its subscriber's inbox. Returns false if no dead letter
  // has this id; throws Problem 409 if it was replayed already.
  virtual bool replay(const std::string& deadLetterId) = 0;
};

}  // namespace boxoffice
