// Each fraud rule on its own, then the sum against the threshold.
#include "fraud.hpp"

#include <doctest/doctest.h>

using namespace boxoffice::payments;

TEST_CASE("user velocity adds points from the limit on") {
  FraudSettings s;
  FraudFacts f;
  f.userPaymentsInWindow = s.userVelocityLimit - 1;
  CHECK(userVelocityPoints(f, s) == 0);
  f.userPaymentsInWindow = s.userVelocityLimit;
  CHECK(userVelocityPoints(f, s) == s.velocityPoints);
}

TEST_CASE("card velocity adds points from the limit on") {
  FraudSettings s;
  FraudFacts f;
  f.cardPaymentsInWindow = s.cardVelocityLimit - 1;
  CHECK(cardVelocityPoints(f, s) == 0);
  f.cardPaymentsInWindow = s.cardVelocityLimit;
  CHECK(cardVelocityPoints(f, s) == s.velocityPoints);
}

TEST_CASE("amount against history: a multiple of the usual, or large for a first purchase") {
  FraudSettings s;
  FraudFacts f;
  f.amount = s.newUserLargeAmount;
  CHECK(amountPoints(f, s) == 0);
  f.amount = s.newUserLargeAmount + 1;
  CHECK(amountPoints(f, s) == s.amountPoints);
  f.completedPayments = 4;
  f.averageCompleted = 5000;
  f.amount = std::int64_t{5000} * s.amountMultiple;
  CHECK(amountPoints(f, s) == 0);
  f.amount += 1;
  CHECK(amountPoints(f, s) == s.amountPoints);
}

TEST_CASE("declines in a row add points from the limit on") {
  FraudSettings s;
  FraudFacts f;
  f.declinesInARow = s.declineLimit - 1;
  CHECK(declinePoints(f, s) == 0);
  f.declinesInARow = s.declineLimit;
  CHECK(declinePoints(f, s) == s.declinePoints);
}

TEST_CASE("one signal alone does not refuse at the default threshold but three do, with reasons") {
  FraudSettings s;
  FraudFacts f;
  f.cardPaymentsInWindow = 1000;  // a flash sale paid with one test card
  auto one = assess(f, s);
  CHECK(one.score == 35);
  CHECK_FALSE(one.refused);
  f.userPaymentsInWindow = 1000;
  f.declinesInARow = 5;
  auto three = assess(f, s);
  CHECK(three.score == 100);
  CHECK(three.refused);
  CHECK(three.signals.size() == 3);
  CHECK(three.detail().find("declined") != std::string::npos);
  s.threshold = 100;
  CHECK_FALSE(assess(f, s).refused);
}
