#pragma once
// The tickets module's problem types (docs/problems.md).
#include <cstdint>
#include <string>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::tickets::problems {

Problem ticketNotFound();
Problem eventNotFound(const std::string& eventId);
Problem transferNotFound();
Problem badSignature();
Problem alreadyCheckedIn(std::int64_t at, const std::string& gate);
Problem ticketVoided();
Problem ticketTransferred();
Problem ticketCheckedIn();
Problem wrongEvent(const std::string& ticketEventId);
Problem transfersForbidden();
Problem eventOver();
Problem transferToSelf();
Problem claimNotValid();
Problem transferSettled(const std::string& status);
Problem notPrintable(const std::string& status);

}  // namespace boxoffice::tickets::problems
