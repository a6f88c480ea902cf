#pragma once
// The QR payload of a ticket and its Ed25519 signature (libsodium), and the sealing of signing
// keys at rest (libsodium secretbox). A scanner holding only the organizer's public key (GET
// /api/v1/admission/keys) verifies a payload offline; docs/api/tickets.md describes the layout.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::tickets {

// What a QR payload asserts.
struct TicketClaim {
  std::string ticketId;    // UUID text (lower case, with dashes)
  std::string eventId;     // UUID text
  std::string categoryId;  // the price category's slug (1..64 bytes)
  std::string keyId;       // the signing key's id (kid), 1..32 bytes of [A-Za-z0-9_-]
};

using PublicKey = std::array<unsigned char, 32>;

// An Ed25519 key pair. The secret key is wiped when the object is destroyed.
class SigningKeyPair {
 public:
  static SigningKeyPair generate();
  // From a 64-byte libsodium secret key (seed + public key); throws std::invalid_argument if the
  // size is wrong.
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
// its 64-byte Ed25519 signature. Throws std::invalid_argument if a field does not fit its layout.
std::string signClaim(const TicketClaim& claim, const SigningKeyPair& key);

// Reads a payload without verifying it (to learn which key to verify with). nullopt if it is not
// a well-formed payload of this format.
std::optional<TicketClaim> readClaim(std::string_view payload);

// True if `payload` is well formed and its signature verifies with `publicKey`.
bool verifyPayload(std::string_view payload, const PublicKey& publicKey);

// A 32-byte key-encryption key from configuration: the base64 (standard or url alphabet) of 32
// random bytes. Throws std::invalid_argument naming what is wrong.
std::array<unsigned char, 32> parseSealingKey(std::string_view base64);

// The secret key encrypted with XSalsa20-Poly1305 (crypto_secretbox_easy) under `sealingKey`,
// with a random nonce: base64url of nonce || ciphertext.
std::string sealSecretKey(std::string_view secretKey, const std::array<unsigned char, 32>& sealingKey);
// Decrypts what sealSecretKey made; throws std::runtime_error if it was sealed under another key
// or altered.
SigningKeyPair openSealedKey(std::string_view sealed, const std::array<unsigned char, 32>& sealingKey);

// base64url without padding, as JWKS publishes keys ("x" of an OKP key).
std::string base64Url(std::string_view bytes);

}  // namespace boxoffice::tickets
