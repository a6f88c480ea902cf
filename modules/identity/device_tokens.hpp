#pragma once
// Device tokens: what a browser or app keeps after a successful sign-in to show, next time, that
// it has signed in to this account before. The per-account brake (LoginThrottle) does not apply
// to such a sign-in, so an attacker failing on purpose cannot lock the owner out of their own
// device. A token is "dv1.<device id>.<MAC of email and device id>": stateless, bound to one
// account (by its normalized email), keyed by a key derived from the access-token key (rotating
// that key retires every device token).
#include <string>
#include <string_view>

namespace boxoffice::identity {

class DeviceTokens {
 public:
  explicit DeviceTokens(std::string_view accessTokenKey);
  std::string issue(const std::string& normalizedEmail) const;
  // True when `token` was issued by issue() for this email. Never throws.
  bool verify(std::string_view token, const std::string& normalizedEmail) const;

 private:
  std::string mac(const std::string& normalizedEmail, std::string_view deviceId) const;
  std::string key_;
};

}  // namespace boxoffice::identity
