#include "print_page.hpp"

#include <memory>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include "boxoffice/kernel/html.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::tickets {

namespace {

// The renderer's SVG is embedded inline; an XML declaration is not allowed inside HTML.
std::string_view withoutXmlDeclaration(std::string_view svg) {
  if (svg.rfind("<?xml", 0) == 0) {
    auto end = svg.find("?>");
    if (end != std::string_view::npos) svg.remove_prefix(end + 2);
  }
  while (!svg.empty() && (svg.front() == '\n' || svg.front() == '\r' || svg.front() == ' ')) svg.remove_prefix(1);
  return svg;
}

std::string statusBanner(const std::string& status) {
  if (status == "Voided") return "VOIDED &mdash; not valid for entry";
  if (status == "Transferred") return "TRANSFERRED &mdash; not valid for entry";
  if (status == "CheckedIn") return "Already checked in";
  return {};
}

// Spaced in groups of four for reading aloud at a door: 7KQ2 MX9P.
std::string groupedCode(const std::string& code) {
  if (code.size() != 8) return code;
  return code.substr(0, 4) + " " + code.substr(4);
}

constexpr std::string_view kStyle = R"(
  @page { size: auto; margin: 12mm; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Helvetica Neue", Arial, sans-serif; color: #111; background: #f4f4f4; }
  .ticket { max-width: 180mm; margin: 8mm auto; background: #fff; border: 0.4mm solid #222; border-radius: 3mm;
            padding: 8mm; break-inside: avoid; page-break-inside: avoid; }
  h1 { font-size: 22pt; margin: 0 0 2mm; line-height: 1.15; }
  .when { font-size: 13pt; margin: 0 0 1mm; }
  .where { font-size: 11pt; color: #333; margin: 0 0 6mm; }
  .body { display: flex; gap: 8mm; align-items: flex-start; }
  .qr { width: 60mm; height: 60mm; flex: none; }
  .qr svg { width: 60mm; height: 60mm; display: block; }
  .noqr { width: 60mm; height: 60mm; flex: none; border: 0.4mm dashed #999; display: flex; align-items: center;
          justify-content: center; text-align: center; color: #777; font-size: 10pt; padding: 4mm; }
  dl { margin: 0; font-size: 11pt; }
  dt { color: #666; font-size: 9pt; text-transform: uppercase; letter-spacing: 0.08em; margin-top: 3mm; }
  dd { margin: 0; }
  .code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 22pt; letter-spacing: 0.15em;
          font-weight: bold; }
  .id { font-family: monospace; font-size: 8pt; color: #777; margin-top: 6mm; word-break: break-all; }
  .banner { background: #b00020; color: #fff; font-weight: bold; padding: 2mm 4mm; margin: 0 0 5mm;
            border-radius: 1.5mm; }
  .hint { text-align: center; color: #666; font-size: 10pt; }
  @media print { body { background: #fff; } .ticket { margin: 0 auto; } .hint { display: none; } }
)";

}  // namespace

std::string formatLocalStart(const std::string& startsAtUtc, const std::string& timezone) {
  auto when = parseRfc3339(startsAtUtc);
  if (!when) return startsAtUtc;
  UErrorCode status = U_ZERO_ERROR;
  icu::SimpleDateFormat format(icu::UnicodeString(u"EEE d MMM y, HH:mm zzz"), icu::Locale::getEnglish(), status);
  if (U_FAILURE(status)) return startsAtUtc;
  auto name = icu::UnicodeString::fromUTF8(icu::StringPiece(timezone.data(), static_cast<int32_t>(timezone.size())));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(name));
  if (*zone == icu::TimeZone::getUnknown()) zone.reset(icu::TimeZone::createTimeZone(u"UTC"));
  format.adoptTimeZone(zone.release());
  icu::UnicodeString out;
  format.format(static_cast<UDate>(toUnixMillis(*when)), out);
  std::string text;
  out.toUTF8String(text);
  return text;
}

std::string renderPrintPage(const PrintableTicket& t) {
  std::string venueLine = htmlEscape(t.venueName);
  for (const auto* part : {&t.venueAddress, &t.venueCity, &t.venueCountry}) {
    if (!part->empty()) venueLine += (venueLine.empty() ? "" : ", ") + htmlEscape(*part);
  }
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Ticket: " +
      htmlEscape(t.eventName) + "</title><style>" + std::string(kStyle) +
      "</style></head><body>\n<p class=\"hint\">Print this page, or show it on your phone at the "
      "door.</p>\n<main class=\"ticket\">\n";
  if (auto banner = statusBanner(t.status); !banner.empty()) page += "<p class=\"banner\">" + banner + "</p>\n";
  page += "<h1>" + htmlEscape(t.eventName) + "</h1>\n";
  if (!t.startsAt.empty()) {
    page += "<p class=\"when\">" + htmlEscape(formatLocalStart(t.startsAt, t.timezone)) + "</p>\n";
  }
  page += "<p class=\"where\">" + venueLine + "</p>\n<div class=\"body\">\n";
  if (!t.qrSvg.empty()) {
    page += "<div class=\"qr\">" + std::string(withoutXmlDeclaration(t.qrSvg)) + "</div>\n";
  } else {
    page += "<div class=\"noqr\">No QR code: this ticket does not admit anyone.</div>\n";
  }
  page += "<dl><dt>Category</dt><dd>" + htmlEscape(t.categoryName) + "</dd><dt>Holder</dt><dd>" +
          htmlEscape(t.holderName) + "</dd><dt>Code</dt><dd class=\"code\">" + htmlEscape(groupedCode(t.code)) +
          "</dd></dl>\n</div>\n<p class=\"id\">Ticket " + htmlEscape(t.ticketId) + "</p>\n</main>\n</body></html>\n";
  return page;
}

std::string csvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row += ',';
    std::string field = fields[i];
    // A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
    if (!field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos) {
      field.insert(field.begin(), '\'');
    }
    // A semicolon or tab is quoted too: spreadsheets in many locales split on them, and an
    // unquoted "x;=cmd" would become a cell starting with '='.
    if (field.find_first_of(",;\t\"\r\n") == std::string::npos) {
      row += field;
      continue;
    }
    row += '"';
    for (char c : field) {
      if (c == '"') row += '"';
      row += c;
    }
    row += '"';
  }
  row += "\r\n";
  return row;
}

}  // namespace boxoffice::tickets
