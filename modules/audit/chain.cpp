#include "chain.hpp"

#include <array>
#include <sodium.h>
#include <stdexcept>

namespace boxoffice::audit {

namespace {
void field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}
}  // namespace

std::string canonicalBytes(std::string_view previousHash, const Record& record) {
  std::string out;
  out.reserve(previousHash.size() + record.envelope.size() + 256);
  out += previousHash;
  out += '\n';
  field(out, std::to_string(record.sequence));
  field(out, record.messageId);
  field(out, record.topic);
  field(out, record.type);
  field(out, std::to_string(record.version));
  field(out, record.occurredAt);
  field(out, record.correlationId);
  field(out, record.causationId);
  field(out, record.recordedAt);
  field(out, record.envelope);
  return out;
}

std::string computeHash(std::string_view previousHash, const Record& record) {
  // Once per process (thread-safe static init), not a lock per record: verify hashes millions.
  static const bool sodiumReady = sodium_init() >= 0;
  if (!sodiumReady) throw std::runtime_error("libsodium could not be initialised");
  auto bytes = canonicalBytes(previousHash, record);
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

void ChainVerifier::check(const Record& record) {
  if (fault_) return;
  ++checked_;
  auto fail = [&](std::string problem) { fault_ = Fault{record.sequence, record.messageId, std::move(problem)}; };
  if (record.sequence != expectedSequence_) {
    fail("gap in sequence: expected " + std::to_string(expectedSequence_) + ", found " +
         std::to_string(record.sequence));
    return;
  }
  if (record.previousHash != previousHash_) {
    fail("broken link: previous_hash does not match the hash of record " + std::to_string(record.sequence - 1));
    return;
  }
  if (computeHash(record.previousHash, record) != record.hash) {
    fail("content hash mismatch: the record was changed after it was written");
    return;
  }
  previousHash_ = record.hash;
  ++expectedSequence_;
}

}  // namespace boxoffice::audit
