#pragma once
// Gateway webhooks: `X-Boxoffice-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw request
// body under the gateway's secret, compared in constant time.
#include <string>
#include <string_view>

namespace boxoffice::payments {

inline constexpr std::string_view kSignatureHeader = "X-Boxoffice-Signature";

// "sha256=<64 lower-case hex digits>" for `body` under `secret` (what a gateway sends).
std::string webhookSignature(std::string_view secret, std::string_view body);
// True if `header` is a valid signature of `body` under `secret`.
bool verifyWebhookSignature(std::string_view secret, std::string_view body, std::string_view header);

}  // namespace boxoffice::payments
