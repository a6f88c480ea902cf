#pragma once
// The audit module's contract (seed 003 Audit service): every integration message, on every
// topic, stored unchanged in an append-only, hash-chained record; searchable by Admins; one
// purchase's whole story by correlationId; replay of stored messages to one subscriber. It
// publishes nothing and no module calls it; the command line (`boxoffice audit verify|replay`)
// uses the functions below.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice

namespace boxoffice::audit {

class AuditModule : public Module {};

// audit.* keys.
std::vector<ConfigKey> configKeys();

std::unique_ptr<AuditModule> createModule(const ModuleDeps& deps);

}  // namespace boxoffice::audit
