#pragma once
// The password rules for new passwords (registration, `boxoffice users add`). Login never applies
// them: a password accepted once stays usable even if the rules tighten later.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::identity {

inline constexpr std::size_t kMinPasswordLength = 10;   // characters (code points), NIST 800-63B asks >= 8
inline constexpr std::size_t kMaxPasswordLength = 128;  // bounds hashing work and request size

// nullopt when the password is acceptable for the account `normalizedEmail`, otherwise the reason,
// phrased to follow the field name ("password must be at least 10 characters long").
std::optional<std::string> passwordProblem(std::string_view password, std::string_view normalizedEmail);

// Counts UTF-8 code points (the request parser has already rejected invalid UTF-8).
std::size_t utf8Length(std::string_view text);

}  // namespace boxoffice::identity
