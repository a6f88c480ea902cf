#include "ticket_signature.hpp"

#include <doctest/doctest.h>
#include <memory>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdexcept>
#include <string>
#include <vector>

using namespace boxoffice::tickets;

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

TicketClaim typicalClaim() {
  return {"0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1", "0190a4b2-1111-7222-8333-444455556666", "general", "k1a2b3"};
}

TicketClaim otherClaim() {
  return {"0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0b2", "0190a4b2-1111-7222-8333-444455556666", "vip", "k1a2b3"};
}

// The signing key of the test vector in docs/api/ticket-payload.md: seed 00 01 02 .. 1f.
SigningKeyPair vectorKey() {
  std::string seed(32, '\0');
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<char>(i);
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> publicKey{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secretKey{};
  REQUIRE(sodium_init() >= 0);
  crypto_sign_seed_keypair(publicKey.data(), secretKey.data(), reinterpret_cast<const unsigned char*>(seed.data()));
  return SigningKeyPair::fromSecretKey({reinterpret_cast<const char*>(secretKey.data()), secretKey.size()});
}

// base64url without padding, decoded by hand: the OpenSSL cross-check must not lean on
// libsodium's decoder. Empty on a character outside the alphabet.
std::vector<unsigned char> decodeBase64Url(std::string_view text) {
  std::vector<unsigned char> out;
  unsigned int accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const auto index = kAlphabet.find(c);
    if (index == std::string_view::npos) return {};
    accumulator = (accumulator << 6U) | static_cast<unsigned int>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((accumulator >> static_cast<unsigned int>(bits)) & 0xffU));
    }
  }
  return out;
}

std::string asText(const std::vector<unsigned char>& bytes) { return {bytes.begin(), bytes.end()}; }

// "BX1." + base64url of arbitrary bytes: payloads the signer would never make.
std::string forge(const std::string& raw) { return "BX1." + base64Url(raw); }

std::string rawOf(const std::string& payload) { return asText(decodeBase64Url(std::string_view(payload).substr(4))); }

struct EvpKeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using EvpKey = std::unique_ptr<EVP_PKEY, EvpKeyFree>;
using EvpContext = std::unique_ptr<EVP_MD_CTX, EvpContextFree>;

bool opensslVerifies(const std::vector<unsigned char>& message, const std::vector<unsigned char>& signature,
                     const PublicKey& publicKey) {
  const EvpKey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, publicKey.data(), publicKey.size()));
  const EvpContext context(EVP_MD_CTX_new());
  REQUIRE(key);
  REQUIRE(context);
  // Ed25519 hashes internally: no digest (NULL md), one-shot EVP_DigestVerify.
  REQUIRE(EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  return EVP_DigestVerify(context.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

std::vector<unsigned char> opensslSign(const std::vector<unsigned char>& message, std::string_view seed) {
  const EvpKey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  const EvpContext context(EVP_MD_CTX_new());
  REQUIRE(key);
  REQUIRE(context);
  REQUIRE(EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  std::vector<unsigned char> signature(64);
  std::size_t length = signature.size();
  REQUIRE(EVP_DigestSign(context.get(), signature.data(), &length, message.data(), message.size()) == 1);
  signature.resize(length);
  return signature;
}

std::string base64Variant(const std::string& bytes, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(out.size() - 1);
  return out;
}

}  // namespace

// --- payloads ------------------------------------------------------------------------------------

TEST_CASE("a signed claim reads back and verifies with its key") {
  const auto key = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  CHECK(payload.starts_with("BX1."));
  const auto claim = readClaim(payload);
  REQUIRE(claim);
  CHECK(claim->ticketId == typicalClaim().ticketId);
  CHECK(claim->eventId == typicalClaim().eventId);
  CHECK(claim->categoryId == "general");
  CHECK(claim->keyId == "k1a2b3");
  CHECK(verifyPayload(payload, key.publicKey()));
}

TEST_CASE("a typical payload fits a small QR code") {
  const auto payload = signClaim(typicalClaim(), SigningKeyPair::generate());
  const auto note = "payload length for category 'general', kid 'k1a2b3': " + std::to_string(payload.size());
  MESSAGE(note);
  // 48 body bytes + 64 signature bytes = 112 bytes = 150 base64url characters, plus "BX1.".
  CHECK(payload.size() == 154);
  CHECK(payload.size() < 200);
}

TEST_CASE("the longest claim round-trips and stays within the reader's length limit") {
  const auto key = SigningKeyPair::generate();
  TicketClaim claim = typicalClaim();
  claim.categoryId = std::string(64, 'c');
  claim.keyId = std::string(32, 'K');
  const auto payload = signClaim(claim, key);
  CHECK(payload.size() == 264);
  const auto read = readClaim(payload);
  REQUIRE(read);
  CHECK(read->categoryId == claim.categoryId);
  CHECK(read->keyId == claim.keyId);
  CHECK(verifyPayload(payload, key.publicKey()));
}

TEST_CASE("UUIDs are accepted in either case and read back in lower case") {
  const auto key = SigningKeyPair::generate();
  TicketClaim claim = typicalClaim();
  claim.ticketId = "0190A4B2-7C3D-7E4F-8A5B-6C7D8E9FA0B1";
  const auto payload = signClaim(claim, key);
  CHECK(payload == signClaim(typicalClaim(), key));  // Ed25519 is deterministic: same bytes
  CHECK(readClaim(payload)->ticketId == "0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1");
}

TEST_CASE("changing any character of a payload makes it fail verification") {
  const auto key = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  REQUIRE(verifyPayload(payload, key.publicKey()));
  int tried = 0;
  for (std::size_t position = 0; position < payload.size(); ++position) {
    for (const char replacement : kAlphabet) {
      if (replacement == payload[position]) continue;
      auto altered = payload;
      altered[position] = replacement;
      ++tried;
      if (verifyPayload(altered, key.publicKey())) FAIL_CHECK(altered);
    }
  }
  CHECK(tried == 153 * 63 + 64);  // '.' is not in the alphabet: all 64 replace it
}

TEST_CASE("a payload does not verify with another key") {
  const auto key = SigningKeyPair::generate();
  const auto other = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  CHECK_FALSE(verifyPayload(payload, other.publicKey()));
  CHECK_FALSE(verifyPayload(payload, PublicKey{}));
}

TEST_CASE("a signature taken from one claim does not verify on another") {
  const auto key = SigningKeyPair::generate();
  const auto first = rawOf(signClaim(typicalClaim(), key));
  const auto second = rawOf(signClaim(otherClaim(), key));
  const auto spliced = forge(second.substr(0, second.size() - 64) + first.substr(first.size() - 64));
  REQUIRE(readClaim(spliced));  // well formed: only the signature can catch it
  CHECK(readClaim(spliced)->categoryId == "vip");
  CHECK_FALSE(verifyPayload(spliced, key.publicKey()));
}

TEST_CASE("the signature covers the BX1 prefix, not only the body") {
  const auto key = SigningKeyPair::generate();
  const auto raw = rawOf(signClaim(typicalClaim(), key));
  const auto body = raw.substr(0, raw.size() - 64);
  std::array<unsigned char, crypto_sign_BYTES> bodyOnly{};
  crypto_sign_detached(bodyOnly.data(), nullptr, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                       reinterpret_cast<const unsigned char*>(key.secretKey().data()));
  const auto forged = forge(body + std::string(bodyOnly.begin(), bodyOnly.end()));
  REQUIRE(readClaim(forged));
  CHECK_FALSE(verifyPayload(forged, key.publicKey()));
}

TEST_CASE("OpenSSL verifies a payload's signature over the BX1 prefix and the body") {
  const auto key = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  const auto raw = decodeBase64Url(std::string_view(payload).substr(4));
  REQUIRE(raw.size() == 112);
  std::vector<unsigned char> message{'B', 'X', '1', '.'};
  message.insert(message.end(), raw.begin(), raw.end() - 64);
  const std::vector<unsigned char> signature(raw.end() - 64, raw.end());
  CHECK(opensslVerifies(message, signature, key.publicKey()));
  auto tampered = message;
  tampered.back() ^= 0x01U;
  CHECK_FALSE(opensslVerifies(tampered, signature, key.publicKey()));
  // Ed25519 signatures are deterministic: OpenSSL, given the seed, makes the same bytes.
  CHECK(opensslSign(message, key.secretKey().substr(0, 32)) == signature);
}

TEST_CASE("the test vector of docs/api/ticket-payload.md") {
  const auto key = vectorKey();
  const TicketClaim claim{"0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1", "0190a4b2-1111-7222-8333-444455556666", "general",
                          "k1a2b3"};
  const auto payload = signClaim(claim, key);
  const std::string publicKey(key.publicKey().begin(), key.publicKey().end());
  const auto x = base64Url(publicKey);
  MESSAGE(x);
  MESSAGE(payload);
  CHECK(x == "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg");
  CHECK(payload ==
        "BX1.AQGQpLJ8PX5PiltsfY6foLEBkKSyERFyIoMzRERVVWZmB2dlbmVyYWwGazFhMmIzzTPHguAMeQoaxs1VBEHFK-"
        "MOSxWmaeoyujg2M7Uh8toFm5oIgrx1S_S8Bq9EgS4BrY6ZqjKzugQBTUbYadR8AA");
  CHECK(verifyPayload(payload, key.publicKey()));
}

TEST_CASE("readClaim rejects malformed text without throwing") {
  const auto key = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  const auto raw = rawOf(payload);
  const std::vector<std::string> rejected = {
      "",
      "BX1.",
      "BX1",
      "garbage",
      std::string(200, '\0'),
      "BX2." + payload.substr(4),                          // another format
      "bx1." + payload.substr(4),                          // the prefix is case-sensitive
      "BX1:" + payload.substr(4),                          // the separator
      payload.substr(4),                                   // no prefix
      payload + "=",                                       // padding
      payload + "==",                                      // padding
      payload + "A",                                       // a character more
      payload + "AA",                                      // a byte more
      payload + " ",                                       // whitespace
      " " + payload,                                       // whitespace
      "BX1." + std::string(150, '+'),                      // the standard alphabet
      "BX1." + std::string(150, '/'),                      // the standard alphabet
      "BX1." + std::string(260, 'A'),                      // decodes, but is all zeros: version 0
      std::string(std::size_t{100} * 1024, 'A'),           // far too long
      "BX1." + std::string(std::size_t{100} * 1024, 'A'),  // far too long, with the prefix
      forge(raw + std::string(1, '\0')),                   // trailing byte after the signature
      forge(raw.substr(0, raw.size() - 1)),                // one byte of signature missing
      forge(raw.substr(0, raw.size() - 64)),               // no signature
      forge(std::string(1, '\x02') + raw.substr(1)),       // version 2
  };
  for (const auto& text : rejected) {
    CHECK_NOTHROW(CHECK_FALSE(readClaim(text)));
    CHECK_NOTHROW(CHECK_FALSE(verifyPayload(text, key.publicKey())));
  }
}

TEST_CASE("readClaim rejects every truncation of a payload") {
  const auto payload = signClaim(typicalClaim(), SigningKeyPair::generate());
  for (std::size_t length = 0; length < payload.size(); ++length) {
    CHECK_NOTHROW(CHECK_FALSE(readClaim(payload.substr(0, length))));
  }
}

TEST_CASE("readClaim rejects a non-canonical last character") {
  // 112 bytes leave 4 unused low bits in the last character; only the spelling with zeros counts.
  const auto key = SigningKeyPair::generate();
  const auto payload = signClaim(typicalClaim(), key);
  const auto last = kAlphabet.find(payload.back());
  REQUIRE(last % 16 == 0);
  auto altered = payload;
  altered.back() = kAlphabet[last + 1];
  CHECK_FALSE(readClaim(altered));
}

TEST_CASE("readClaim rejects bodies with bad field lengths or key ids") {
  const auto raw = rawOf(signClaim(typicalClaim(), SigningKeyPair::generate()));
  const std::string signature = raw.substr(raw.size() - 64);
  const std::string uuids = raw.substr(1, 32);
  const auto body = [&](const std::string& category, const std::string& keyId) {
    return std::string(1, '\x01') + uuids + static_cast<char>(category.size()) + category +
           static_cast<char>(keyId.size()) + keyId;
  };
  CHECK(readClaim(forge(body("general", "k1a2b3") + signature)));  // the baseline is well formed
  CHECK_FALSE(readClaim(forge(body("", "k1a2b3") + signature)));
  CHECK_FALSE(readClaim(forge(body(std::string(65, 'c'), "k1a2b3") + signature)));
  CHECK_FALSE(readClaim(forge(body("general", "") + signature)));
  CHECK_FALSE(readClaim(forge(body("general", std::string(33, 'k')) + signature)));
  CHECK_FALSE(readClaim(forge(body("general", "k1.a2") + signature)));
  CHECK_FALSE(readClaim(forge(body("general", "k1/a2") + signature)));
  // A length byte within its limit but past the end of the text (no signature follows).
  CHECK_FALSE(
      readClaim(forge(std::string(1, '\x01') + uuids + '\x40' + std::string(64, 'c') + '\x20' + std::string(30, 'k'))));
}

TEST_CASE("signClaim refuses claims that do not fit the layout") {
  const auto key = SigningKeyPair::generate();
  const auto refuses = [&](const TicketClaim& claim) {
    CHECK_THROWS_AS((void)signClaim(claim, key), std::invalid_argument);
  };
  TicketClaim claim = typicalClaim();
  claim.categoryId = std::string(65, 'c');
  refuses(claim);
  claim.categoryId = "";
  refuses(claim);
  claim = typicalClaim();
  for (const std::string ticketId :
       {"not-a-uuid", "0190a4b27c3d7e4f8a5b6c7d8e9fa0b1", "{0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1}",
        "0190a4b2-7c3d-7e4f-8a5b-6c7d8e9fa0bg", "0190a4b2-7c3d-7e4f-8a5b6-c7d8e9fa0b1", ""}) {
    claim.ticketId = ticketId;
    refuses(claim);
  }
  claim = typicalClaim();
  claim.eventId = "0190a4b2 1111 7222 8333 444455556666";
  refuses(claim);
  claim = typicalClaim();
  for (const auto& keyId : std::vector<std::string>{"", std::string(33, 'k'), "k1.a2", "k1 a2", "k\xc3\xa9"}) {
    claim.keyId = keyId;
    refuses(claim);
  }
}

// --- key pairs -----------------------------------------------------------------------------------

TEST_CASE("a key pair survives its secret key and rejects an inconsistent one") {
  const auto key = SigningKeyPair::generate();
  const auto copy = SigningKeyPair::fromSecretKey(key.secretKey());
  CHECK(copy.publicKey() == key.publicKey());
  CHECK(copy.secretKey() == key.secretKey());
  CHECK(key.secretKey().size() == 64);
  CHECK_THROWS_AS((void)SigningKeyPair::fromSecretKey(key.secretKey().substr(0, 63)), std::invalid_argument);
  CHECK_THROWS_AS((void)SigningKeyPair::fromSecretKey(key.secretKey().substr(0, 32)), std::invalid_argument);
  auto mismatched = std::string(key.secretKey());
  mismatched[40] = static_cast<char>(mismatched[40] ^ 0x01);
  CHECK_THROWS_AS((void)SigningKeyPair::fromSecretKey(mismatched), std::invalid_argument);
}

TEST_CASE("a moved-from key pair holds no secret and cannot sign") {
  auto key = SigningKeyPair::generate();
  const auto publicKey = key.publicKey();
  const auto moved = std::move(key);
  CHECK(moved.publicKey() == publicKey);
  // NOLINTNEXTLINE(bugprone-use-after-move): what a moved-from pair holds is the point
  CHECK(key.secretKey() == std::string(64, '\0'));
  CHECK_THROWS_AS((void)signClaim(typicalClaim(), key), std::invalid_argument);
  auto assigned = SigningKeyPair::generate();
  assigned = SigningKeyPair::fromSecretKey(moved.secretKey());
  CHECK(assigned.publicKey() == publicKey);
}

// --- sealing -------------------------------------------------------------------------------------

TEST_CASE("a sealed secret key opens under its sealing key") {
  const auto key = SigningKeyPair::generate();
  std::array<unsigned char, 32> sealingKey{};
  randombytes_buf(sealingKey.data(), sealingKey.size());
  const auto sealed = sealSecretKey(key.secretKey(), sealingKey);
  CHECK(sealed.size() == 139);  // base64url of 24 + 16 + 64 bytes
  CHECK(sealed.find(base64Url(key.secretKey().substr(0, 32)).substr(0, 8)) == std::string::npos);
  CHECK(sealSecretKey(key.secretKey(), sealingKey) != sealed);  // a fresh nonce each time
  const auto opened = openSealedKey(sealed, sealingKey);
  CHECK(opened.secretKey() == key.secretKey());
  CHECK(opened.publicKey() == key.publicKey());
  CHECK(verifyPayload(signClaim(typicalClaim(), opened), key.publicKey()));
}

TEST_CASE("a sealed key does not open under another key or when altered") {
  const auto key = SigningKeyPair::generate();
  std::array<unsigned char, 32> sealingKey{};
  std::array<unsigned char, 32> otherKey{};
  randombytes_buf(sealingKey.data(), sealingKey.size());
  randombytes_buf(otherKey.data(), otherKey.size());
  const auto sealed = sealSecretKey(key.secretKey(), sealingKey);
  CHECK_THROWS_AS((void)openSealedKey(sealed, otherKey), std::runtime_error);
  for (const std::size_t position : {std::size_t{0}, std::size_t{40}, sealed.size() / 2, sealed.size() - 2}) {
    auto altered = sealed;
    altered[position] = altered[position] == 'A' ? 'B' : 'A';
    CHECK_THROWS_AS((void)openSealedKey(altered, sealingKey), std::runtime_error);
  }
  CHECK_THROWS_AS((void)openSealedKey(sealed.substr(0, sealed.size() - 1), sealingKey), std::runtime_error);
  CHECK_THROWS_AS((void)openSealedKey(sealed + "A", sealingKey), std::runtime_error);
  CHECK_THROWS_AS((void)openSealedKey("", sealingKey), std::runtime_error);
  CHECK_THROWS_AS((void)openSealedKey(std::string(139, '!'), sealingKey), std::runtime_error);
  CHECK_THROWS_AS((void)sealSecretKey(key.secretKey().substr(0, 63), sealingKey), std::invalid_argument);
}

TEST_CASE("parseSealingKey takes standard or url-safe base64 of 32 bytes, padded or not") {
  // 0xfb 0xff bytes spell '+' and '/' in the standard alphabet, '-' and '_' in the url one.
  std::string bytes(32, '\xfb');
  bytes[1] = '\xff';
  bytes[31] = '\x01';
  const std::array<unsigned char, 32> expected = [&] {
    std::array<unsigned char, 32> out{};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
  }();
  for (const int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                            sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    const auto text = base64Variant(bytes, variant);
    CAPTURE(text);
    CHECK(parseSealingKey(text) == expected);
  }
  CHECK(base64Variant(bytes, sodium_base64_VARIANT_ORIGINAL).find_first_of("+/") != std::string::npos);
}

TEST_CASE("parseSealingKey names what is wrong with a bad key") {
  const auto message = [](std::string_view text) -> std::string {
    try {
      (void)parseSealingKey(text);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  const auto of = [](std::size_t count) {
    return base64Variant(std::string(count, 'k'), sodium_base64_VARIANT_ORIGINAL);
  };
  CHECK(message(of(31)).find("decodes to 31 bytes") != std::string::npos);
  CHECK(message(of(33)).find("decodes to 33 bytes") != std::string::npos);
  CHECK(message(of(31)).find("must be the base64 of 32 random bytes (e.g. openssl rand -base64 32)") !=
        std::string::npos);
  CHECK(message("not base64 at all, clearly!!!!!!!!!!!!!!!!!!").find("not base64") != std::string::npos);
  CHECK(message("").find("empty") != std::string::npos);
  CHECK(message(std::string(10000, 'A')).find("characters long") != std::string::npos);
  CHECK(message(of(32) + "\n").find("not base64") != std::string::npos);
  // Mixing the two alphabets is neither.
  CHECK(message("-/" + of(32).substr(2)).find("not base64") != std::string::npos);
}
