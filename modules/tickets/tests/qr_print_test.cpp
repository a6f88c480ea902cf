// QR rendering (libqrencode, libpng), the print page and CSV rows: pure functions, checked
// against what a scanner, a browser and a spreadsheet will do with them.
#include <doctest/doctest.h>
#include <png.h>
#include <stdexcept>
#include <string>

#include "print_page.hpp"
#include "qr_code.hpp"

using namespace boxoffice::tickets;

namespace {

const std::string kPayload = "BX1." + std::string(150, 'A');

// The 7x7 finder pattern at (x0, y0): a dark ring, a light ring, a dark 3x3 core.
bool finderAt(const QrMatrix& qr, int x0, int y0) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      bool ring = x == 0 || y == 0 || x == 6 || y == 6;
      bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      if (qr.at(x0 + x, y0 + y) != (ring || core)) return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("qr: a ticket payload becomes a QR symbol with its three finder patterns") {
  auto qr = encodeQr(kPayload);
  CHECK((qr.size - 17) % 4 == 0);
  CHECK(qr.size >= 21);
  CHECK(qr.size <= 61);  // version 11 at most for a ticket payload: small enough to scan from a phone
  CHECK(qr.dark.size() == static_cast<std::size_t>(qr.size * qr.size));
  CHECK(finderAt(qr, 0, 0));
  CHECK(finderAt(qr, qr.size - 7, 0));
  CHECK(finderAt(qr, 0, qr.size - 7));
  CHECK_FALSE(finderAt(qr, qr.size - 7, qr.size - 7));
}

TEST_CASE("qr: empty or oversized text is refused") {
  CHECK_THROWS_AS(encodeQr(""), std::invalid_argument);
  CHECK_THROWS_AS(encodeQr(std::string(8000, 'x')), std::invalid_argument);
}

TEST_CASE("qr: the SVG is one path in a viewBox with the quiet zone, and nothing else runs") {
  auto qr = encodeQr(kPayload);
  auto svg = renderSvg(qr);
  auto side = std::to_string(qr.size + 8);
  CHECK(svg.find("viewBox=\"0 0 " + side + " " + side + "\"") != std::string::npos);
  CHECK(svg.find("<path") == svg.rfind("<path"));
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("crispEdges") != std::string::npos);
}

TEST_CASE("qr: the PNG decodes to the same modules, scaled, with a white quiet zone") {
  auto qr = encodeQr(kPayload);
  const int scale = 3;
  auto png = renderPng(qr, scale);
  REQUIRE(png.size() > 8);
  CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&image, png.data(), png.size()) != 0);
  const auto side = static_cast<png_uint_32>((qr.size + 8) * scale);
  CHECK(image.width == side);
  CHECK(image.height == side);
  image.format = PNG_FORMAT_GRAY;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  REQUIRE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0);
  int wrong = 0;
  for (int y = -4; y < qr.size + 4; ++y) {
    for (int x = -4; x < qr.size + 4; ++x) {
      bool dark = x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.at(x, y);
      // The centre pixel of the module.
      auto px = static_cast<std::size_t>(x + 4) * scale + scale / 2;
      auto py = static_cast<std::size_t>(y + 4) * scale + scale / 2;
      if ((pixels[py * side + px] < 128) != dark) ++wrong;
    }
  }
  CHECK(wrong == 0);
  CHECK_THROWS_AS(renderPng(qr, 0), std::invalid_argument);
  CHECK_THROWS_AS(renderPng(qr, 33), std::invalid_argument);
}

TEST_CASE("print page: every text is escaped, the QR is inline, and nothing is fetched or run") {
  PrintableTicket t;
  t.ticketId = "0d3e0000-0000-4000-8000-000000000001";
  t.code = "7KQ2MX9P";
  t.status = "Valid";
  t.eventName = "<script>alert(1)</script> Night";
  t.venueName = "Hall \"A\" & 'B'";
  t.venueCity = "Berlin";
  t.startsAt = "2027-03-14T19:00:00Z";
  t.timezone = "Europe/Berlin";
  t.categoryName = "VIP";
  t.holderName = "<img src=x onerror=alert(1)>";
  t.qrSvg = "<?xml version=\"1.0\"?>\n" + renderSvg(encodeQr(kPayload));
  auto page = renderPrintPage(t);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt; Night") != std::string::npos);
  CHECK(page.find("Hall &quot;A&quot; &amp; &#39;B&#39;") != std::string::npos);
  CHECK(page.find("<?xml") == std::string::npos);
  CHECK(page.find("<svg") == page.rfind("<svg"));
  CHECK(page.find("7KQ2 MX9P") != std::string::npos);
  CHECK(page.find("Sun 14 Mar 2027, 20:00") != std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("@page") != std::string::npos);
  CHECK(page.find("not valid for entry") == std::string::npos);
  t.status = "Voided";
  t.qrSvg.clear();
  auto voided = renderPrintPage(t);
  CHECK(voided.find("VOIDED") != std::string::npos);
  CHECK(voided.find("<svg") == std::string::npos);
}

TEST_CASE("print page: the start is shown in the venue's zone, UTC when the zone is unknown") {
  CHECK(formatLocalStart("2027-01-14T19:00:00Z", "Europe/Berlin").find("20:00") != std::string::npos);
  CHECK(formatLocalStart("2027-07-14T19:00:00Z", "Europe/Berlin").find("21:00") != std::string::npos);
  CHECK(formatLocalStart("2027-07-14T19:00:00Z", "America/New_York").find("15:00") != std::string::npos);
  auto unknown = formatLocalStart("2027-07-14T19:00:00Z", "Mars/Olympus");
  CHECK(unknown.find("19:00") != std::string::npos);
  CHECK(formatLocalStart("not a time", "Europe/Berlin") == "not a time");
}

TEST_CASE("csv: quoting by RFC 4180 and no cell a spreadsheet would run as a formula") {
  CHECK(csvRow({"a", "b"}) == "a,b\r\n");
  CHECK(csvRow({"a,b", "say \"hi\""}) == "\"a,b\",\"say \"\"hi\"\"\"\r\n");
  CHECK(csvRow({"line\r\nbreak"}) == "\"line\r\nbreak\"\r\n");
  CHECK(csvRow({"=HYPERLINK(\"x\")"}) == "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
  CHECK(csvRow({"+1", "-1", "@x"}) == "'+1,'-1,'@x\r\n");
  CHECK(csvRow({"", "Zoë"}) == ",Zoë\r\n");
  // A semicolon-separated spreadsheet must not split a name into a formula cell.
  CHECK(csvRow({"x;=cmd|' /C calc'!A0"}) == "\"x;=cmd|' /C calc'!A0\"\r\n");
}
