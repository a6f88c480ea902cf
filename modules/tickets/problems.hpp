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
// Who and what, besides when and where: the door tells the person in front of it why they are
// turned away (the caller may scan this ticket, so the holder's name is theirs to see).
Problem alreadyCheckedIn(std::int64_t at, const std::string& gate, const std::string& holderName,
                         const std::string& categoryName);
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
