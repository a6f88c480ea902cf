#pragma once
// Where the HS256 key comes from: auth.jwtSecret (usually BOXOFFICE_AUTH_JWT_SECRET), else the
// file named by auth.jwtSecretFile (Docker/Kubernetes secrets), else a development key generated
// once and kept in the identity database, so tokens survive a restart. The last case logs a
// warning: a key stored next to the data is fine on a laptop, not in production.
#include <string>

#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice::identity {

inline constexpr std::size_t kMinSigningKeyBytes = 32;  // RFC 7518 §3.2: key >= hash size

// Throws ConfigError (naming the key) for a short secret or an unreadable secret file.
std::string resolveSigningKey(const Config& config, Database& store, const Logger& log);

}  // namespace boxoffice::identity
