// The hash chain: exact bytes, a known digest, and each kind of fault the verifier names.
#include "chain.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace boxoffice::audit;

namespace {

Record record(std::int64_t sequence, std::string previousHash) {
  Record r;
  r.sequence = sequence;
  r.messageId = "m" + std::to_string(sequence);
  r.topic = "orders";
  r.type = "OrderPlaced";
  r.version = 1;
  r.occurredAt = "2030-01-01T00:00:00Z";
  r.correlationId = "c1";
  r.causationId = "c1";
  r.recordedAt = "2030-01-01T00:00:01Z";
  r.envelope = R"({"messageId":"m)" + std::to_string(sequence) + R"("})";
  r.previousHash = std::move(previousHash);
  r.hash = computeHash(r.previousHash, r);
  return r;
}

std::vector<Record> chain(int n) {
  std::vector<Record> out;
  std::string previous(kGenesisHash);
  for (int i = 1; i <= n; ++i) {
    out.push_back(record(i, previous));
    previous = out.back().hash;
  }
  return out;
}

std::optional<ChainVerifier::Fault> verifyAll(const std::vector<Record>& records) {
  ChainVerifier v;
  for (const auto& r : records) v.check(r);
  return v.fault();
}

}  // namespace

TEST_CASE("audit chain: the canonical bytes are length-prefixed fields after the previous hash") {
  auto r = record(1, std::string(kGenesisHash));
  CHECK(canonicalBytes(kGenesisHash, r) == std::string(kGenesisHash) +
                                               "\n1:1\n2:m1\n6:orders\n11:OrderPlaced\n1:1\n20:2030-01-01T00:00:00Z\n"
                                               "2:c1\n2:c1\n20:2030-01-01T00:00:01Z\n18:{\"messageId\":\"m1\"}\n");
}

TEST_CASE("audit chain: the hash is the SHA-256 of the canonical bytes, in lower-case hex") {
  Record empty;
  // sha256 of the bytes below, computed independently (python3 hashlib).
  CHECK(canonicalBytes("x", empty) == "x\n1:0\n0:\n0:\n0:\n1:1\n0:\n0:\n0:\n0:\n0:\n");
  CHECK(computeHash("x", empty) == "5aefb8664d929cbd51581fd655a8eacd9b1aa79bd4b1d9bf90f58402fc0516bd");
}

TEST_CASE("audit chain: an intact chain passes") {
  auto records = chain(5);
  ChainVerifier v;
  for (const auto& r : records) v.check(r);
  CHECK_FALSE(v.fault());
  CHECK(v.checked() == 5);
}

TEST_CASE("audit chain: an edited field is a content hash mismatch naming the record") {
  auto records = chain(5);
  records[2].envelope = R"({"messageId":"m3","edited":true})";
  auto fault = verifyAll(records);
  REQUIRE(fault);
  CHECK(fault->sequence == 3);
  CHECK(fault->messageId == "m3");
  CHECK(fault->problem.find("content hash mismatch") != std::string::npos);
}

TEST_CASE("audit chain: a record rehashed after an edit breaks the next link") {
  auto records = chain(5);
  records[2].type = "Forged";
  records[2].hash = computeHash(records[2].previousHash, records[2]);
  auto fault = verifyAll(records);
  REQUIRE(fault);
  CHECK(fault->sequence == 4);
  CHECK(fault->problem.find("broken link") != std::string::npos);
}

TEST_CASE("audit chain: a missing record is a gap in sequence") {
  auto records = chain(5);
  records.erase(records.begin() + 1);
  auto fault = verifyAll(records);
  REQUIRE(fault);
  CHECK(fault->sequence == 3);
  CHECK(fault->problem.find("gap in sequence") != std::string::npos);
}

TEST_CASE("audit chain: the first record must link to the genesis hash") {
  auto records = chain(2);
  records[0] = record(1, std::string(64, 'f'));
  auto fault = verifyAll(records);
  REQUIRE(fault);
  CHECK(fault->sequence == 1);
  CHECK(fault->problem.find("broken link") != std::string::npos);
}
