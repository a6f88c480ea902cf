#pragma once
// The printable ticket (GET /api/v1/tickets/{id}/print): one self-contained HTML page that
// prints on one A4 or Letter sheet, and the CSV export of an event's tickets.
#include <string>
#include <vector>

namespace boxoffice::tickets {

struct PrintableTicket {
  std::string ticketId;
  std::string code;  // the short human code
  std::string status;
  std::string eventName;
  std::string venueName;
  std::string venueAddress;
  std::string venueCity;
  std::string venueCountry;  // ISO 3166-1 alpha-2
  std::string startsAt;      // RFC 3339 UTC
  std::string timezone;      // IANA zone of the venue
  std::string categoryName;
  std::string holderName;
  std::string qrSvg;  // renderSvg's document, embedded inline
};

// Every text is HTML-escaped; the start is shown in the venue's zone ("Sat 14 Mar 2027, 20:00
// CET") through ICU, falling back to UTC when the zone is unknown. No external resources, no
// scripts; @page rules keep it on one sheet.
std::string renderPrintPage(const PrintableTicket& ticket);

// The start in the venue's zone, as renderPrintPage shows it (English, 24 h).
std::string formatLocalStart(const std::string& startsAtUtc, const std::string& timezone);

// RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, semicolon, tab, quote, CR
// or LF (quotes doubled). A field a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR)
// is prefixed with a single quote.
std::string csvRow(const std::vector<std::string>& fields);

}  // namespace boxoffice::tickets
