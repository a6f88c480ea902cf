#include "api_schemas.hpp"

#include "model.hpp"

namespace boxoffice::tickets {

namespace api = openapi;

namespace {

api::Schema ticketStatus() {
  return api::enumeration({status::valid, status::checkedIn, status::voided, status::transferred});
}

}  // namespace

void defineApiSchemas(api::Components& components) {
  components.define("Ticket",
                    api::object({{"ticketId", api::uuid()},
                                 {"orderId", api::string()},
                                 {"eventId", api::uuid()},
                                 {"categoryId", api::string()},
                                 {"categoryName", api::string()},
                                 {"holderUserId", api::uuid()},
                                 {"holderName", api::string()},
                                 {"code", api::described(api::string(), "8 characters to type at the door.")},
                                 {"status", ticketStatus()},
                                 {"issuedAt", api::dateTime()},
                                 api::optional("qrPayload", api::described(api::string(),
                                                                           "Valid and CheckedIn tickets only: the "
                                                                           "signed BX1. payload of the QR code.")),
                                 api::optional("transferredFrom", api::uuid()),
                                 api::optional("checkedInAt", api::dateTime()),
                                 api::optional("gate", api::string()),
                                 api::optional("voidedAt", api::dateTime()),
                                 api::optional("voidReason", api::string())}));
  components.define("TicketTransfer", api::object({{"transferId", api::uuid()},
                                                   {"ticketId", api::uuid()},
                                                   {"eventId", api::uuid()},
                                                   {"toEmail", api::string()},
                                                   {"status", api::enumeration({"Pending", "Completed", "Cancelled"})},
                                                   {"createdAt", api::dateTime()},
                                                   api::optional("returnedTicketId", api::uuid()),
                                                   api::optional("completedAt", api::dateTime())}));
  components.define("Scanner", api::object({{"eventId", api::uuid()},
                                            {"userId", api::uuid()},
                                            {"email", api::string()},
                                            {"grantedBy", api::uuid()},
                                            {"grantedAt", api::dateTime()}}));
  components.define("ScannerGrant", api::object({{"eventId", api::uuid()},
                                                 {"eventName", api::string()},
                                                 {"eventStatus", api::string()},
                                                 {"startsAt", api::dateTime()},
                                                 {"timezone", api::string()},
                                                 {"grantedAt", api::dateTime()}}));
  components.define("AdmissionSettings", api::object({{"eventId", api::uuid()},
                                                      {"transfersAllowed", api::boolean()},
                                                      {"checkinListVersion", api::integer()}}));
  components.define("Admission", api::object({{"admitted", api::boolean()},
                                              {"ticketId", api::uuid()},
                                              {"eventId", api::uuid()},
                                              {"code", api::string()},
                                              {"categoryId", api::string()},
                                              {"categoryName", api::string()},
                                              {"holderName", api::string()},
                                              {"status", ticketStatus()},
                                              {"checkedInAt", api::dateTime()},
                                              {"gate", api::string()}}));
  components.define(
      "CheckinList",
      api::object({{"eventId", api::uuid()},
                   {"version", api::described(api::integer(), "Send it as since= next time for what changed.")},
                   {"since", api::integer()},
                   {"tickets", api::arrayOf(api::object({{"ticketId", api::uuid()},
                                                         {"code", api::string()},
                                                         {"status", ticketStatus()},
                                                         {"categoryId", api::string()},
                                                         {"holderName", api::string()},
                                                         {"version", api::integer()}}))}}));
  components.define(
      "SyncResult",
      api::object({{"admitted", api::integer()},
                   {"conflicts", api::integer()},
                   {"results",
                    api::arrayOf(api::object({{"ticketId", api::uuid()},
                                              {"result", api::enumeration({"admitted", "duplicate", "voided",
                                                                           "transferred", "unknown", "invalid-time"})},
                                              api::optional("firstScannedAt", api::dateTime()),
                                              api::optional("firstGate", api::string()),
                                              api::optional("replacedScanAt", api::dateTime()),
                                              api::optional("replacedGate", api::string())}))}}));
  components.define(
      "CheckinStats",
      api::object(
          {{"eventId", api::uuid()},
           {"sold", api::integer()},
           {"admitted", api::integer()},
           {"categories", api::arrayOf(api::object({{"categoryId", api::string()},
                                                    {"categoryName", api::string()},
                                                    {"sold", api::integer()},
                                                    {"admitted", api::integer()}}))},
           {"perFiveMinutes", api::arrayOf(api::object({{"from", api::dateTime()}, {"admitted", api::integer()}}))}}));
  components.define("AdmissionKey", api::object({{"kty", api::enumeration({"OKP"})},
                                                 {"crv", api::enumeration({"Ed25519"})},
                                                 {"alg", api::enumeration({"EdDSA"})},
                                                 {"use", api::enumeration({"sig"})},
                                                 {"kid", api::string()},
                                                 {"x", api::described(api::string(), "The public key, base64url.")},
                                                 {"organizerId", api::uuid()},
                                                 {"createdAt", api::dateTime()},
                                                 api::optional("retiredAt", api::dateTime())}));
}

}  // namespace boxoffice::tickets
