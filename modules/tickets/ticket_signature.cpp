// Ticket payloads (format BX1) and signing-key sealing. The layout is what third-party scanners
// implement; docs/api/ticket-payload.md holds the same text with a test vector. Keep both in step.
//
//   payload   = "BX1." || base64url-no-padding(body || signature)
//   body      = 0x01                          format version (1 byte)
//               || ticketId                    16 bytes: the UUID's bytes, in text order
//               || eventId                     16 bytes: likewise
//               || len(categoryId) || categoryId   1 byte (1..64), then that many bytes
//               || len(keyId) || keyId         1 byte (1..32), then that many [A-Za-z0-9_-]
//   signature = Ed25519(secret key, "BX1." || body), 64 bytes (RFC 8032, pure Ed25519)
//
// The signed message starts with the ASCII prefix "BX1." so a signature over this format can
// never be replayed as a signature over another format signed with the same key (domain
// separation). Nothing follows the signature: a payload is 101..195 bytes before encoding and
// at most 264 characters after. base64url is RFC 4648 section 5 without '=' padding, and the
// unused low bits of the last character must be zero, so every payload has one spelling only.
// A reader finds the public key by keyId: the entry of GET /api/v1/admission/keys with that
// "kid", {"kty":"OKP","crv":"Ed25519","kid":..., "x": base64url(32-byte public key), ...}.
#include "ticket_signature.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sodium.h>
#include <span>
#include <stdexcept>
#include <string>

namespace boxoffice::tickets {

namespace {

constexpr std::string_view kPrefix = "BX1.";
constexpr unsigned char kFormatVersion = 0x01;
constexpr std::size_t kUuidBytes = 16;
constexpr std::size_t kUuidTextLength = 36;
constexpr std::size_t kMaxCategoryBytes = 64;
constexpr std::size_t kMaxKeyIdBytes = 32;
constexpr std::size_t kSignatureBytes = crypto_sign_BYTES;
constexpr std::size_t kSecretKeyBytes = crypto_sign_SECRETKEYBYTES;
constexpr std::size_t kSealingKeyBytes = crypto_secretbox_KEYBYTES;
// version + two UUIDs + two length bytes, and at least one byte in each string.
constexpr std::size_t kMinBodyBytes = 1 + 2 * kUuidBytes + 2 + 2;
constexpr std::size_t kMaxBodyBytes = 1 + 2 * kUuidBytes + 2 + kMaxCategoryBytes + kMaxKeyIdBytes;
constexpr std::size_t kMinRawBytes = kMinBodyBytes + kSignatureBytes;
constexpr std::size_t kMaxRawBytes = kMaxBodyBytes + kSignatureBytes;

// Characters of base64 without padding for `bytes` bytes.
constexpr std::size_t encodedLength(std::size_t bytes) { return (bytes * 4 + 2) / 3; }
// Anything longer cannot be a payload: rejected before any decoding, so a stranger's megabyte
// costs one comparison.
constexpr std::size_t kMinPayloadChars = kPrefix.size() + encodedLength(kMinRawBytes);
constexpr std::size_t kMaxPayloadChars = kPrefix.size() + encodedLength(kMaxRawBytes);
static_assert(kMaxPayloadChars == 264);

static_assert(kSecretKeyBytes == 64 && kSignatureBytes == 64 && crypto_sign_PUBLICKEYBYTES == 32);
static_assert(kSealingKeyBytes == 32);

// sodium_init picks the fastest implementations and seeds the CSPRNG. It is idempotent and
// thread-safe; the function-local static runs it once per process rather than once per call
// (verification runs per scan). It fails only without an entropy source.
bool sodiumReady() noexcept {
  static const bool ready = sodium_init() >= 0;
  return ready;
}
void requireSodium() {
  if (!sodiumReady()) throw std::runtime_error("libsodium could not be initialised");
}

const unsigned char* bytesOf(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

// Wipes a buffer that held secret material when it goes out of scope, also on a throw.
template <std::size_t N>
struct WipedBytes {
  std::array<unsigned char, N> bytes{};
  WipedBytes() = default;
  WipedBytes(const WipedBytes&) = delete;
  WipedBytes& operator=(const WipedBytes&) = delete;
  WipedBytes(WipedBytes&&) = delete;
  WipedBytes& operator=(WipedBytes&&) = delete;
  ~WipedBytes() { sodium_memzero(bytes.data(), bytes.size()); }
};

// Strict base64 decoding into `out` (at most out.size() bytes): the whole text must decode under
// `variant`, with canonical trailing bits (libsodium rejects non-zero unused bits). nullopt if
// not, or if the result does not fit.
std::optional<std::size_t> decodeBase64(std::string_view text, std::span<unsigned char> out, int variant) {
  std::size_t length = 0;
  // No end pointer: libsodium then fails on any character it did not consume.
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, nullptr, variant) != 0) {
    return std::nullopt;
  }
  return length;
}

bool isBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool isKeyIdChar(char c) { return isBase64UrlChar(c); }  // the same set: [A-Za-z0-9_-]

bool isValidKeyId(std::string_view keyId) {
  return !keyId.empty() && keyId.size() <= kMaxKeyIdBytes && std::ranges::all_of(keyId, isKeyIdChar);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isDashPosition(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

// The 16 bytes of a UUID in canonical text (8-4-4-4-12 hex digits, either case); nullopt for any
// other spelling (no braces, no "urn:uuid:", no missing dashes), so one UUID has one payload.
std::optional<std::array<unsigned char, kUuidBytes>> parseUuid(std::string_view text) {
  if (text.size() != kUuidTextLength) return std::nullopt;
  std::array<unsigned char, kUuidBytes> out{};
  std::size_t nibble = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (isDashPosition(i)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int value = hexValue(text[i]);
    if (value < 0) return std::nullopt;
    out[nibble / 2] = static_cast<unsigned char>(out[nibble / 2] | (value << (nibble % 2 == 0 ? 4 : 0)));
    ++nibble;
  }
  return out;
}

std::string formatUuid(std::span<const unsigned char, kUuidBytes> bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(kUuidTextLength);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::array<unsigned char, kUuidBytes> requireUuid(std::string_view text, std::string_view field) {
  auto bytes = parseUuid(text);
  if (!bytes) throw std::invalid_argument(std::string(field) + " must be a UUID in canonical text form");
  return *bytes;
}

void appendBytes(std::string& out, std::span<const unsigned char> bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void appendWithLength(std::string& out, std::string_view text) {
  out += static_cast<char>(static_cast<unsigned char>(text.size()));
  out += text;
}

// The body of a payload (see the top of this file); throws std::invalid_argument naming the
// first field that does not fit the layout.
std::string encodeBody(const TicketClaim& claim) {
  const auto ticketId = requireUuid(claim.ticketId, "ticketId");
  const auto eventId = requireUuid(claim.eventId, "eventId");
  if (claim.categoryId.empty() || claim.categoryId.size() > kMaxCategoryBytes) {
    throw std::invalid_argument("categoryId must be 1 to 64 bytes");
  }
  if (!isValidKeyId(claim.keyId))
    throw std::invalid_argument("keyId must be 1 to 32 characters of A-Z, a-z, 0-9, _ and -");
  std::string body;
  body.reserve(kMaxBodyBytes);
  body += static_cast<char>(kFormatVersion);
  appendBytes(body, ticketId);
  appendBytes(body, eventId);
  appendWithLength(body, claim.categoryId);
  appendWithLength(body, claim.keyId);
  return body;
}

// Reads the body fields in order from decoded bytes; every read is bounds-checked, so a
// stranger's length byte cannot reach past the buffer.
class BodyReader {
 public:
  explicit BodyReader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

  std::optional<unsigned char> byte() {
    if (offset_ >= bytes_.size()) return std::nullopt;
    return bytes_[offset_++];
  }
  std::optional<std::span<const unsigned char>> take(std::size_t count) {
    if (count > bytes_.size() - offset_) return std::nullopt;
    auto out = bytes_.subspan(offset_, count);
    offset_ += count;
    return out;
  }
  // A length byte then that many bytes, the length within 1..maxBytes.
  std::optional<std::string> lengthPrefixed(std::size_t maxBytes) {
    auto length = byte();
    if (!length || *length == 0 || *length > maxBytes) return std::nullopt;
    auto text = take(*length);
    if (!text) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(text->data()), text->size());
  }
  std::size_t offset() const { return offset_; }

 private:
  std::span<const unsigned char> bytes_;
  std::size_t offset_ = 0;
};

std::optional<TicketClaim> decodeBody(BodyReader& reader) {
  if (reader.byte() != kFormatVersion) return std::nullopt;
  auto ticketId = reader.take(kUuidBytes);
  auto eventId = reader.take(kUuidBytes);
  if (!ticketId || !eventId) return std::nullopt;
  auto categoryId = reader.lengthPrefixed(kMaxCategoryBytes);
  auto keyId = reader.lengthPrefixed(kMaxKeyIdBytes);
  if (!categoryId || !keyId || !isValidKeyId(*keyId)) return std::nullopt;
  return TicketClaim{formatUuid(ticketId->first<kUuidBytes>()), formatUuid(eventId->first<kUuidBytes>()),
                     std::move(*categoryId), std::move(*keyId)};
}

// A well-formed payload taken apart: the claim, the signed message ("BX1." || body), the
// signature.
struct ParsedPayload {
  TicketClaim claim;
  std::string signedMessage;
  std::array<unsigned char, kSignatureBytes> signature{};
};

std::optional<ParsedPayload> parsePayload(std::string_view payload) {
  // Cheap checks first: length and prefix before looking at any character of the rest.
  if (payload.size() < kMinPayloadChars || payload.size() > kMaxPayloadChars) return std::nullopt;
  if (!payload.starts_with(kPrefix)) return std::nullopt;
  const auto text = payload.substr(kPrefix.size());
  // libsodium would refuse these too; checked here so the accepted alphabet is visible: no '=',
  // no '+' or '/', no whitespace.
  if (!std::ranges::all_of(text, isBase64UrlChar)) return std::nullopt;
  std::array<unsigned char, kMaxRawBytes> raw{};
  const auto rawLength = decodeBase64(text, raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (!rawLength || *rawLength < kMinRawBytes) return std::nullopt;
  BodyReader reader(std::span<const unsigned char>(raw).first(*rawLength));
  auto claim = decodeBody(reader);
  if (!claim) return std::nullopt;
  const std::size_t bodyLength = reader.offset();
  if (bodyLength + kSignatureBytes != *rawLength) return std::nullopt;  // short, or trailing bytes
  ParsedPayload parsed{std::move(*claim), std::string(kPrefix), {}};
  parsed.signedMessage.append(reinterpret_cast<const char*>(raw.data()), bodyLength);
  std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(bodyLength), kSignatureBytes, parsed.signature.begin());
  return parsed;
}

// base64 of exactly 32 bytes under one of the four alphabets/padding variants; the decoded size
// if it is base64 at all (any size up to 48 bytes), nullopt if it is not.
std::optional<std::size_t> decodeSealingKey(std::string_view text, std::span<unsigned char> out) {
  for (const int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                            sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    if (auto length = decodeBase64(text, out, variant)) return length;
  }
  return std::nullopt;
}

[[noreturn]] void rejectSealingKey(const std::string& what) {
  throw std::invalid_argument("the sealing key must be the base64 of 32 random bytes (e.g. openssl rand -base64 32); " +
                              what);
}

}  // namespace

// --- SigningKeyPair ------------------------------------------------------------------------------

SigningKeyPair SigningKeyPair::generate() {
  requireSodium();
  SigningKeyPair pair;
  crypto_sign_keypair(pair.public_.data(), pair.secret_.data());
  return pair;
}

SigningKeyPair SigningKeyPair::fromSecretKey(std::string_view secretKey) {
  if (secretKey.size() != kSecretKeyBytes) {
    throw std::invalid_argument("an Ed25519 secret key must be 64 bytes (seed and public key), not " +
                                std::to_string(secretKey.size()));
  }
  requireSodium();
  // Re-derive from the seed rather than copy: a secret key whose public half does not belong to
  // its seed would sign payloads that never verify.
  SigningKeyPair pair;
  crypto_sign_seed_keypair(pair.public_.data(), pair.secret_.data(), bytesOf(secretKey));
  if (!std::equal(pair.public_.begin(), pair.public_.end(), bytesOf(secretKey) + crypto_sign_SEEDBYTES)) {
    throw std::invalid_argument("the secret key's public half does not belong to its seed");
  }
  return pair;
}

SigningKeyPair::SigningKeyPair(SigningKeyPair&& other) noexcept : public_(other.public_), secret_(other.secret_) {
  // A moved-from pair holds no secret (and cannot sign: signClaim refuses an all-zero key).
  sodium_memzero(other.secret_.data(), other.secret_.size());
  other.public_.fill(0);
}

SigningKeyPair& SigningKeyPair::operator=(SigningKeyPair&& other) noexcept {
  if (this != &other) {
    public_ = other.public_;
    secret_ = other.secret_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
    other.public_.fill(0);
  }
  return *this;
}

// sodium_memzero cannot be optimised away like a memset of memory about to die.
SigningKeyPair::~SigningKeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

std::string_view SigningKeyPair::secretKey() const {
  return {reinterpret_cast<const char*>(secret_.data()), secret_.size()};
}

// --- payloads ----------------------------------------------------------------------------------

std::string signClaim(const TicketClaim& claim, const SigningKeyPair& key) {
  requireSodium();
  const auto* const secret = bytesOf(key.secretKey());
  if (sodium_is_zero(secret, kSecretKeyBytes) != 0) {
    throw std::invalid_argument("a moved-from signing key cannot sign");
  }
  const std::string body = encodeBody(claim);
  const std::string message = std::string(kPrefix) + body;
  std::array<unsigned char, kSignatureBytes> signature{};
  crypto_sign_detached(signature.data(), nullptr, bytesOf(message), message.size(), secret);
  std::string raw = body;
  appendBytes(raw, signature);
  return std::string(kPrefix) + base64Url(raw);
}

// No libsodium state is needed to decode: readClaim does not call sodium_init, so it cannot
// fail for a reason that has nothing to do with its input.
std::optional<TicketClaim> readClaim(std::string_view payload) {
  auto parsed = parsePayload(payload);
  if (!parsed) return std::nullopt;
  return std::move(parsed->claim);
}

bool verifyPayload(std::string_view payload, const PublicKey& publicKey) {
  if (!sodiumReady()) return false;  // strangers' input: answer, never throw
  const auto parsed = parsePayload(payload);
  if (!parsed) return false;
  return crypto_sign_verify_detached(parsed->signature.data(), bytesOf(parsed->signedMessage),
                                     parsed->signedMessage.size(), publicKey.data()) == 0;
}

// --- sealing ----------------------------------------------------------------------------------

std::array<unsigned char, 32> parseSealingKey(std::string_view base64) {
  if (base64.empty()) rejectSealingKey("it is empty");
  // 32 bytes are 43 or 44 characters; far longer text is not worth decoding (and would not fit).
  if (base64.size() > encodedLength(48))
    rejectSealingKey("it is " + std::to_string(base64.size()) + " characters long");
  WipedBytes<48> decoded;
  const auto length = decodeSealingKey(base64, decoded.bytes);
  if (!length) rejectSealingKey("it is not base64");
  if (*length != kSealingKeyBytes) rejectSealingKey("it decodes to " + std::to_string(*length) + " bytes");
  std::array<unsigned char, kSealingKeyBytes> key{};
  std::copy_n(decoded.bytes.begin(), key.size(), key.begin());
  return key;
}

std::string sealSecretKey(std::string_view secretKey, const std::array<unsigned char, 32>& sealingKey) {
  requireSodium();
  // Refuse to seal what could not be opened as a key pair later.
  (void)SigningKeyPair::fromSecretKey(secretKey);
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + kSecretKeyBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  // 24 random bytes: random nonces never repeat in practice, so no counter needs storing.
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, bytesOf(secretKey), secretKey.size(), out,
                        sealingKey.data());
  return base64Url(sealed);
}

SigningKeyPair openSealedKey(std::string_view sealed, const std::array<unsigned char, 32>& sealingKey) {
  requireSodium();
  constexpr std::size_t kSealedBytes = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + kSecretKeyBytes;
  std::array<unsigned char, kSealedBytes> box{};
  if (sealed.size() != encodedLength(kSealedBytes) ||
      decodeBase64(sealed, box, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != kSealedBytes) {
    throw std::runtime_error("the sealed signing key is malformed (truncated or altered)");
  }
  WipedBytes<kSecretKeyBytes> secret;
  if (crypto_secretbox_open_easy(secret.bytes.data(), box.data() + crypto_secretbox_NONCEBYTES,
                                 kSealedBytes - crypto_secretbox_NONCEBYTES, box.data(), sealingKey.data()) != 0) {
    throw std::runtime_error("the sealed signing key does not open: sealed under another key, or altered");
  }
  return SigningKeyPair::fromSecretKey({reinterpret_cast<const char*>(secret.bytes.data()), secret.bytes.size()});
}

std::string base64Url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytesOf(bytes), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the encoder writes a terminating NUL
  return out;
}

}  // namespace boxoffice::tickets
