// Webhook signatures: HMAC-SHA256 over the raw body, compared in constant time.
#include "webhook.hpp"

#include <doctest/doctest.h>

using namespace boxoffice::payments;

TEST_CASE("a signature made with the secret verifies but another body, secret or form does not") {
  std::string body = R"({"id":"evt_1","type":"chargeback","paymentId":"p"})";
  auto signature = webhookSignature("whsec_test", body);
  CHECK(signature.starts_with("sha256="));
  CHECK(signature.size() == 7 + 64);
  CHECK(verifyWebhookSignature("whsec_test", body, signature));
  CHECK_FALSE(verifyWebhookSignature("whsec_other", body, signature));
  CHECK_FALSE(verifyWebhookSignature("whsec_test", body + " ", signature));
  CHECK_FALSE(verifyWebhookSignature("whsec_test", body, signature.substr(7)));
  CHECK_FALSE(verifyWebhookSignature("whsec_test", body, "sha256=zz"));
  CHECK_FALSE(verifyWebhookSignature("whsec_test", body, ""));
  // A known vector (RFC 4231 test case 2).
  CHECK(webhookSignature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
