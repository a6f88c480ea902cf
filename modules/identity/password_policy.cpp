#include "password_policy.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace boxoffice::identity {

namespace {

// Passwords of ten or more characters that top the published breach lists. Shorter ones fail the
// length rule anyway. Compared case-insensitively.
constexpr auto kCommonPasswords = std::to_array<std::string_view>({
    "1234567890",   "0123456789",    "0987654321",  "12345678910",  "123456789a",  "1234567890a",  "a123456789",
    "qwertyuiop",   "qwertyuiop123", "1q2w3e4r5t",  "1q2w3e4r5t6y", "q1w2e3r4t5",  "1qaz2wsx3edc", "zaq12wsxcde3",
    "qazwsxedcrfv", "asdfghjkl1",    "zxcvbnm123",  "abcdefghij",   "abcd123456",  "abc1234567",   "1111111111",
    "11111111111",  "iloveyou12",    "iloveyou123", "password12",   "passw0rd12",  "p@ssw0rd123",  "administrator",
    "adminadmin",   "admin12345",    "welcome123",  "letmein123",   "trustno1234", "changeme123",  "sunshine123",
    "princess123",  "football123",   "baseball123", "superman123",  "starwars123",
});

// Words that, followed only by digits and punctuation ("Password2026!"), make a guessable password.
constexpr auto kCommonStems = std::to_array<std::string_view>({
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty",    "qwertyuiop", "letmein",
    "welcome",  "iloveyou", "admin",    "changeme", "monkey",    "dragon",     "football",
    "baseball", "sunshine", "princess", "secret",   "boxoffice", "tickets",
});

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool isDigitOrPunct(char c) {
  return (c >= '0' && c <= '9') || std::string_view("!@#$%^&*()-_=+.,?~ ").find(c) != std::string_view::npos;
}

bool isCommon(const std::string& lower) {
  if (std::find(kCommonPasswords.begin(), kCommonPasswords.end(), lower) != kCommonPasswords.end()) {
    return true;
  }
  auto stemEnd = std::find_if(lower.rbegin(), lower.rend(), [](char c) { return !isDigitOrPunct(c); }).base();
  std::string_view stem(lower.data(), static_cast<std::size_t>(stemEnd - lower.begin()));
  // Strip leading digits/punctuation too ("2026password").
  while (!stem.empty() && isDigitOrPunct(stem.front())) stem.remove_prefix(1);
  if (stem.empty()) return false;  // all digits: judged by the list and the repetition rule
  return std::find(kCommonStems.begin(), kCommonStems.end(), stem) != kCommonStems.end();
}

}  // namespace

std::size_t utf8Length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::optional<std::string> passwordProblem(std::string_view password, std::string_view normalizedEmail) {
  auto length = utf8Length(password);
  if (length < kMinPasswordLength) {
    return "must be at least " + std::to_string(kMinPasswordLength) + " characters long";
  }
  if (length > kMaxPasswordLength) {
    return "must be at most " + std::to_string(kMaxPasswordLength) + " characters long";
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password.front(); })) {
    return "must not be a single character repeated";
  }
  auto lower = lowerAscii(password);
  if (!normalizedEmail.empty()) {
    auto local = normalizedEmail.substr(0, normalizedEmail.find('@'));
    if (lower == normalizedEmail || lower == local) return "must not be the same as the email address";
  }
  if (isCommon(lower)) return "is too common and easy to guess; choose a less common password";
  return std::nullopt;
}

}  // namespace boxoffice::identity
