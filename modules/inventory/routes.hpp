#pragma once
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/router.hpp"
#include "engine.hpp"
#include "live_updates.hpp"

namespace boxoffice::inventory {

// The HTTP face of the module (seed 000 TicketInventory, seed 003 POST /concerts/{id}/reserve).
void registerRoutes(Router& router, Engine& engine, Database& store, LiveUpdates& live);

}  // namespace boxoffice::inventory
