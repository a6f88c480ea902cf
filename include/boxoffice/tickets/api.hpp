#pragma once
// The tickets module's contract (admission): one signed ticket per sold seat, QR codes a scanner
// verifies offline with the organizer's public key, check-in at the door (online, and offline
// gates that sync later), transfers between people. Driven by the orders and inventory messages;
// what it publishes is in messages.hpp. Other modules never call it.
#include <memory>
#include <vector>

#include "boxoffice/kernel/module.hpp"
#include "boxoffice/tickets/messages.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice
namespace boxoffice::events {
class EventQueries;  // only pointers cross this contract (the module's sources USE events)
}  // namespace boxoffice::events
namespace boxoffice::identity {
class UserDirectory;  // boxoffice/identity/api.hpp
}  // namespace boxoffice::identity

namespace boxoffice::tickets {

class TicketsModule : public Module {};

// tickets.* keys: the key that encrypts the signing keys, transfer and check-in limits.
std::vector<ConfigKey> configKeys();

// What the tickets module gets from other modules, handed over by the composition root.
struct Collaborators {
  // The event of a ticket: who organizes it (access), its name, venue, start and end (the printed
  // ticket; a retired signing key is published until its events end).
  const events::EventQueries* events = nullptr;
  // The buyer's display name (the holder printed on a ticket) and the account behind an email
  // (a transfer, a scanner grant).
  const identity::UserDirectory* users = nullptr;
};

std::unique_ptr<TicketsModule> createModule(const ModuleDeps& deps, Collaborators collaborators);

}  // namespace boxoffice::tickets
