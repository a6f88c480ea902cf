#pragma once
// The channels' senders. Email goes through SMTP (smtp_mailer.hpp) when notifications.smtp.host
// is set; SMS, push, and email without a host go to the simulated provider, which sends nothing:
// the sender records what would have been sent in notification_simulated_sends, in the same
// transaction that marks the delivery Sent. A real SMS or push gateway implements Provider.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "smtp_mailer.hpp"

namespace boxoffice::notifications {

struct Outgoing {
  std::string deliveryId, channel, address, subject, text, html, language, unsubscribeUrl;
  std::int64_t dateUnixSeconds = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // On the sender thread, outside any transaction. std::nullopt: the channel took the message;
  // else the error (the delivery is retried with backoff).
  virtual std::optional<std::string> send(const Outgoing& message) = 0;
  // True: nothing left the process; the sender records the message instead.
  virtual bool simulated() const = 0;
};

class SimulatedProvider final : public Provider {
 public:
  std::optional<std::string> send(const Outgoing& /*message*/) override { return std::nullopt; }
  bool simulated() const override { return true; }
};

class SmtpProvider final : public Provider {
 public:
  explicit SmtpProvider(SmtpSettings settings) : domain_(domainOf(settings.from)), mailer_(std::move(settings)) {}
  std::optional<std::string> send(const Outgoing& m) override {
    return mailer_.send(Email{m.deliveryId + "@" + domain_, m.address, m.subject, m.text, m.html, m.language,
                              m.unsubscribeUrl, m.dateUnixSeconds});
  }
  bool simulated() const override { return false; }

 private:
  std::string domain_;
  SmtpMailer mailer_;
};

}  // namespace boxoffice::notifications
