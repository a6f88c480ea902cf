#pragma once
// What an exception may say in a log line or a stored error. A database error's what() carries
// SOCI's context: the statement and every bound value (`with :email="ann@example.org"`), which
// can be personal data, a token or a password hash. Only the database's own message is kept for
// those; any other exception's text is its own.
#include <exception>
#include <string>

namespace boxoffice {

std::string errorText(const std::exception& error);

}  // namespace boxoffice
