#pragma once
// The fraud score (0-100) of a charge: the sum of rule-based signals, capped at 100. A score
// above payments.fraud.threshold refuses the charge (PaymentFailed fraud-suspected). The facts
// are read from the payments table by gatherFraudFacts; scoring itself is a pure function so
// each rule is tested on its own.
#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}  // namespace soci

namespace boxoffice::payments {

struct FraudSettings {
  int threshold = 80;
  std::int64_t windowMs = 600'000;
  int userVelocityLimit = 10;  // payments by one user within the window
  int cardVelocityLimit = 20;  // payments with one card fingerprint within the window
  int velocityPoints = 35;
  int amountMultiple = 5;                     // "far above the user's usual amount"
  std::int64_t newUserLargeAmount = 100'000;  // minor units: large for a first purchase
  int amountPoints = 30;
  int declineLimit = 3;  // declines in a row
  int declinePoints = 30;
};

struct FraudFacts {
  int userPaymentsInWindow = 0;  // before this one
  int cardPaymentsInWindow = 0;
  int completedPayments = 0;          // the user's, same currency
  std::int64_t averageCompleted = 0;  // minor units
  int declinesInARow = 0;
  std::int64_t amount = 0;
};

struct FraudAssessment {
  int score = 0;
  std::vector<std::string> signals;  // one sentence per rule that fired
  bool refused = false;
  std::string detail() const;  // the signals, joined
};

int userVelocityPoints(const FraudFacts& facts, const FraudSettings& settings);
int cardVelocityPoints(const FraudFacts& facts, const FraudSettings& settings);
int amountPoints(const FraudFacts& facts, const FraudSettings& settings);
int declinePoints(const FraudFacts& facts, const FraudSettings& settings);
FraudAssessment assess(const FraudFacts& facts, const FraudSettings& settings);

// Reads the facts for one charge from the payments table (inside the command's transaction).
FraudFacts gatherFraudFacts(soci::session& sql, const std::string& userId, const std::string& cardFingerprint,
                            const std::string& currency, std::int64_t amount, std::int64_t nowMs,
                            const FraudSettings& settings);

}  // namespace boxoffice::payments
