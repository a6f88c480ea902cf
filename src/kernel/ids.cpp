#include "boxoffice/kernel/ids.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <sodium.h>
#include <stdexcept>

namespace boxoffice {

namespace {
void ensureSodium() {
  // sodium_init is thread-safe and idempotent; it only fails if no entropy source exists.
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

// Random bytes for ids, drawn from libsodium's CSPRNG a block at a time. randombytes_buf is one
// getrandom() system call per call, and a reservation needs three ids (request, hold, message):
// on these virtual machines those syscalls were ~4% of the inventory writer's CPU. The block is
// per thread, so no locks (the process never forks without exec); ids are not secrets (tokens
// use randomToken, unbuffered).
void idRandomBytes(unsigned char* out, std::size_t count) {
  constexpr std::size_t kBlock = 512;
  thread_local std::array<unsigned char, kBlock> block{};
  thread_local std::size_t used = kBlock;
  if (used + count > kBlock) {
    randombytes_buf(block.data(), block.size());
    used = 0;
  }
  std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(used), count, out);
  sodium_memzero(block.data() + used, count);  // handed out once only
  used += count;
}
}  // namespace

std::string newUuid() {
  ensureSodium();
  std::array<unsigned char, 16> bytes{};
  idRandomBytes(bytes.data() + 6, 10);  // bytes 0-5 are the timestamp
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x70);  // version 7
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[bytes[i] >> 4]);
    out.push_back(hex[bytes[i] & 0x0F]);
  }
  return out;
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string randomToken(std::size_t bytes) {
  ensureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string sha256Hex(std::string_view text) {
  ensureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace boxoffice
