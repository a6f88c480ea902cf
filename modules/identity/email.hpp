#pragma once
// Email addresses as identity keys: one normal form, so "Ann@Example.org " and "ann@example.org"
// are the same account, and a plain syntax check that rejects what could never receive mail.
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::identity {

// Trims surrounding whitespace and lower-cases ASCII letters. The local part is case-sensitive in
// theory only; every mail provider people use treats it case-insensitively, and a second account
// that differs only in case is a support ticket waiting to happen.
std::string normalizeEmail(std::string_view raw);

// nullopt when `normalized` is an acceptable address, otherwise the reason (for a 400).
// ASCII only: internationalised domains must be given in their punycode (xn--) form.
std::optional<std::string> emailProblem(std::string_view normalized);

}  // namespace boxoffice::identity
