#include "email.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace boxoffice::identity {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// RFC 5321 dot-atom characters, without the quoted-string forms nobody uses for sign-up.
bool isLocalChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  return std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
}

std::optional<std::string> localPartProblem(std::string_view local) {
  if (local.empty()) return "must have a name before the @";
  if (local.size() > 64) return "the part before the @ must be at most 64 characters";
  if (!std::all_of(local.begin(), local.end(), isLocalChar)) {
    return "the part before the @ contains a character that is not allowed";
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return "the part before the @ may not start or end with a dot or contain two dots in a row";
  }
  return std::nullopt;
}

std::optional<std::string> domainProblem(std::string_view domain) {
  if (domain.empty()) return "must have a domain after the @";
  if (domain.size() > 253) return "the domain is too long";
  int labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63) return "the domain has an empty or overlong part";
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return "the domain may contain only letters, digits, hyphens and dots";
    }
    if (label.front() == '-' || label.back() == '-') {
      return "a part of the domain may not start or end with a hyphen";
    }
    ++labels;
    start = end + 1;
  }
  if (labels < 2) return "the domain must contain a dot (example.org)";
  return std::nullopt;
}

}  // namespace

std::string normalizeEmail(std::string_view raw) {
  const auto* first = std::find_if_not(raw.begin(), raw.end(), isSpace);
  const auto* last = std::find_if_not(raw.rbegin(), raw.rend(), isSpace).base();
  std::string out;
  if (first < last) out.assign(first, last);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> emailProblem(std::string_view normalized) {
  if (normalized.size() > 254) return "must be at most 254 characters";
  auto at = normalized.find('@');
  if (at == std::string_view::npos) return "must be an email address (name@example.org)";
  if (normalized.find('@', at + 1) != std::string_view::npos) return "must contain exactly one @";
  if (auto problem = localPartProblem(normalized.substr(0, at))) return problem;
  return domainProblem(normalized.substr(at + 1));
}

}  // namespace boxoffice::identity
