#include "problems.hpp"

namespace boxoffice::payments::problems {

Problem paymentNotFound(const std::string& paymentId) {
  return Problem::notFound("No payment " + paymentId + " exists.");
}
Problem notRefundable(const std::string& status) {
  return Problem::conflict(
      "payment-not-refundable", "The payment cannot be refunded.",
      "Only a Completed or PartiallyRefunded payment can be refunded; this one is " + status + ".");
}
Problem refundExceedsCaptured(std::int64_t left, const std::string& currency) {
  return Problem::conflict(
      "refund-exceeds-captured", "The refund exceeds what is left of the payment.",
      "At most " + std::to_string(left) + " " + currency + " (minor units) can still be refunded.");
}
Problem refundExceedsSeats(const std::string& categoryId, int left) {
  return Problem::conflict(
      "refund-exceeds-seats", "The refund returns more seats than are left.",
      "Only " + std::to_string(left) + " seats of category " + categoryId + " are left to return.");
}
Problem nothingToRefund() {
  return Problem::conflict("nothing-to-refund", "Nothing is left to refund.",
                           "The payment has been refunded in full and every seat returned.");
}
Problem badSignature(const std::string& detail) {
  return {401, "invalid-webhook-signature", "The webhook signature is not valid.", detail};
}
Problem unknownGateway(const std::string& gateway) {
  return Problem::notFound("No payment gateway named " + gateway + " exists.");
}

}  // namespace boxoffice::payments::problems
