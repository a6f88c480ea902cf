#pragma once
// The database cannot be reached (PostgreSQL restarted, the network to it broke). Requests that
// meet it are answered 503 problem+json `storage-unavailable` with Retry-After; the sessions
// reconnect by themselves on their next use. Never thrown for a SQL error of the caller's own.
#include <stdexcept>

namespace boxoffice {

class StorageUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace boxoffice
