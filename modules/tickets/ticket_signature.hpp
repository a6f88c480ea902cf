#pragma once
// The QR payload of a ticket and its Ed25519 signature (libsodium), and the sealing of signing
// keys at rest (libsodium secretbox). A scanner holding only the organizer's public key (GET
// /api/v1/admission/keys) verifies a payload offline; docs/api/ticket-payload.md describes the
// layout (and the top of ticket_signature.cpp).
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::tickets {

// What a QR payload asserts.
struct TicketClaim {
  std::string ticketId;    // UUID in canonical text (8-4-4-4-12 hex); readClaim gives lower case
  std::string eventId;     // UUID in canonical text, likewise
  std::string categoryId;  // the price category's slug (1..64 bytes)
  std::string keyId;       // the signing key's id (kid), 1..32 bytes of [A-Za-z0-9_-]
};

using PublicKey = std::array<unsigned char, 32>;

// An Ed25519 key pair. The secret key is wiped when the object is destroyed and when it is moved
// from (a moved-from pair cannot sign).
class SigningKeyPair {
 public:
  static SigningKeyPair generate();
  // From a 64-byte libsodium secret key (seed + public key); throws std::invalid_argument if the
  // size is wrong or the public half does not belong to the seed.
  static SigningKeyPair fromSecretKey(std::string_view secretKey);
  SigningKeyPair(const SigningKeyPair&) = delete;
  SigningKeyPair& operator=(const SigningKeyPair&) = delete;
  SigningKeyPair(SigningKeyPair&& other) noexcept;
  SigningKeyPair& operator=(SigningKeyPair&& other) noexcept;
  ~SigningKeyPair();

  const PublicKey& publicKey() const { return public_; }
  std::string_view secretKey() const;  // 64 bytes

 private:
  SigningKeyPair() = default;
  PublicKey public_{};
  std::array<unsigned char, 64> secret_{};
};

// The payload text to put in the QR code: "BX1." + base64url(no padding) of the binary claim and
// its 64-byte Ed25519 signature over "BX1." and the binary claim. Throws std::invalid_argument if
// a field does not fit its layout (a UUID not in canonical text, categoryId not 1..64 bytes, keyId
// not 1..32 of [A-Za-z0-9_-]) or the key was moved from.
std::string signClaim(const TicketClaim& claim, const SigningKeyPair& key);

// Reads a payload without verifying it (to learn which key to verify with): nothing it returns is
// trustworthy until verifyPayload says so. nullopt if it is not exactly a well-formed payload of
// this format. Never throws (it reads what strangers send) and rejects text longer than the
// longest possible payload before decoding it.
std::optional<TicketClaim> readClaim(std::string_view payload);

// True if `payload` is well formed (as readClaim) and its signature verifies with `publicKey`.
// Never throws.
bool verifyPayload(std::string_view payload, const PublicKey& publicKey);

// A 32-byte key-encryption key from configuration: the base64 (standard or url alphabet) of 32
// random bytes, padded or not. Throws std::invalid_argument naming what is wrong (never the key).
std::array<unsigned char, 32> parseSealingKey(std::string_view base64);

// The secret key encrypted with XSalsa20-Poly1305 (crypto_secretbox_easy) under `sealingKey`,
// with a random nonce: base64url of nonce || ciphertext. Throws std::invalid_argument if
// `secretKey` is not a valid 64-byte secret key (fromSecretKey's rule).
std::string sealSecretKey(std::string_view secretKey, const std::array<unsigned char, 32>& sealingKey);
// Decrypts what sealSecretKey made; throws std::runtime_error if it was sealed under another key,
// altered or truncated.
SigningKeyPair openSealedKey(std::string_view sealed, const std::array<unsigned char, 32>& sealingKey);

// base64url without padding, as JWKS publishes keys ("x" of an OKP key).
std::string base64Url(std::string_view bytes);

}  // namespace boxoffice::tickets
