#pragma once
// The payments module's problem types (catalogue: docs/problems.md).
#include <cstdint>
#include <string>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::payments::problems {

Problem paymentNotFound(const std::string& paymentId);
Problem notRefundable(const std::string& status);
Problem refundExceedsCaptured(std::int64_t left, const std::string& currency);
Problem refundExceedsSeats(const std::string& categoryId, int left);
Problem nothingToRefund();
Problem badSignature(const std::string& detail);
Problem unknownGateway(const std::string& gateway);

}  // namespace boxoffice::payments::problems
