#pragma once
// Signed one-click unsubscribe tokens: `v1.<base64url(userId \n channel \n category)>.<base64url(
// HMAC-SHA256)>`. The key id (v1) names the key, so a key can be rotated later; the MAC covers the
// key id and the payload, and is compared in constant time. A token acts only on the user,
// channel and category it names; it cannot be forged, truncated or edited into another user's.
#include <optional>
#include <string>

#include "model.hpp"

namespace boxoffice::notifications {

struct UnsubscribeClaim {
  std::string userId;
  Channel channel;
  Category category;
};

class UnsubscribeTokens {
 public:
  // `secret`: notifications.unsubscribeKey (any length; hashed to the 32-byte HMAC key).
  explicit UnsubscribeTokens(const std::string& secret);
  std::string sign(const UnsubscribeClaim& claim) const;
  // nullopt for anything not signed by this key or not well formed.
  std::optional<UnsubscribeClaim> verify(const std::string& token) const;

 private:
  unsigned char key_[32] = {};
};

}  // namespace boxoffice::notifications
