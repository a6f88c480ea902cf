#include "fraud.hpp"

#include <algorithm>
#include <soci/soci.h>

namespace boxoffice::payments {

std::string FraudAssessment::detail() const {
  std::string out;
  for (const auto& signal : signals) out += (out.empty() ? "" : " ") + signal;
  return out;
}

int userVelocityPoints(const FraudFacts& facts, const FraudSettings& settings) {
  return facts.userPaymentsInWindow >= settings.userVelocityLimit ? settings.velocityPoints : 0;
}

int cardVelocityPoints(const FraudFacts& facts, const FraudSettings& settings) {
  return facts.cardPaymentsInWindow >= settings.cardVelocityLimit ? settings.velocityPoints : 0;
}

int amountPoints(const FraudFacts& facts, const FraudSettings& settings) {
  if (facts.completedPayments == 0) return facts.amount > settings.newUserLargeAmount ? settings.amountPoints : 0;
  return facts.amount > facts.averageCompleted * settings.amountMultiple ? settings.amountPoints : 0;
}

int declinePoints(const FraudFacts& facts, const FraudSettings& settings) {
  return facts.declinesInARow >= settings.declineLimit ? settings.declinePoints : 0;
}

FraudAssessment assess(const FraudFacts& facts, const FraudSettings& settings) {
  FraudAssessment out;
  auto add = [&](int points, std::string why) {
    if (points == 0) return;
    out.score += points;
    out.signals.push_back(std::move(why));
  };
  add(userVelocityPoints(facts, settings), "This account made " + std::to_string(facts.userPaymentsInWindow) +
                                               " payments in the last " + std::to_string(settings.windowMs / 60'000) +
                                               " minutes.");
  add(cardVelocityPoints(facts, settings), "This card was used for " + std::to_string(facts.cardPaymentsInWindow) +
                                               " payments in the last " + std::to_string(settings.windowMs / 60'000) +
                                               " minutes.");
  add(amountPoints(facts, settings), "The amount is far above this account's usual purchases.");
  add(declinePoints(facts, settings),
      "The last " + std::to_string(facts.declinesInARow) + " payments of this account were declined.");
  out.score = std::min(out.score, 100);
  out.refused = out.score > settings.threshold;
  return out;
}

FraudFacts gatherFraudFacts(soci::session& sql, const std::string& userId, const std::string& cardFingerprint,
                            const std::string& currency, std::int64_t amount, std::int64_t nowMs,
                            const FraudSettings& settings) {
  FraudFacts facts;
  facts.amount = amount;
  std::int64_t since = nowMs - settings.windowMs;
  sql << "SELECT COUNT(*) FROM payments WHERE user_id = :u AND created_at >= :s", soci::use(userId), soci::use(since),
      soci::into(facts.userPaymentsInWindow);
  if (!cardFingerprint.empty()) {
    sql << "SELECT COUNT(*) FROM payments WHERE card_fingerprint = :f AND created_at >= :s", soci::use(cardFingerprint),
        soci::use(since), soci::into(facts.cardPaymentsInWindow);
  }
  long long count = 0;
  long long average = 0;
  soci::indicator averageNull = soci::i_ok;
  sql << "SELECT COUNT(*), CAST(AVG(amount) AS BIGINT) FROM payments WHERE user_id = :u AND currency = :c "
         "AND status IN ('Completed', 'PartiallyRefunded', 'Refunded')",
      soci::use(userId), soci::use(currency), soci::into(count), soci::into(average, averageNull);
  facts.completedPayments = static_cast<int>(count);
  facts.averageCompleted = averageNull == soci::i_ok ? average : 0;
  // Declines in a row: the account's latest finished payments, newest first, until one was not a decline.
  soci::rowset<std::string> reasons =
      (sql.prepare << "SELECT COALESCE(failure_reason, '') FROM payments WHERE user_id = :u AND status <> 'Pending' "
                      "AND status <> 'Processing' ORDER BY created_at DESC LIMIT 10",
       soci::use(userId));
  for (const auto& reason : reasons) {
    if (reason != "card-declined" && reason != "insufficient-funds") break;
    ++facts.declinesInARow;
  }
  return facts;
}

}  // namespace boxoffice::payments
