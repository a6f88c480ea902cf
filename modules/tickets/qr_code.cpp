#include "qr_code.hpp"

#include <cerrno>
#include <csetjmp>
#include <memory>
#include <png.h>
#include <qrencode.h>
#include <stdexcept>

namespace boxoffice::tickets {

namespace {

// The largest input a QR symbol (version 40, level M) holds in 8-bit mode; anything longer is
// refused before libqrencode spends time on it.
constexpr std::size_t kMaxBytes = 2331;

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

void appendPngBytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void flushNothing(png_structp /*png*/) {}

// libpng reports errors by longjmp: this function owns the jump buffer and constructs no C++
// object with a destructor between setjmp and the calls that may jump, so nothing is skipped.
bool writePng(png_structp png, png_infop info, std::string& out, const std::vector<png_bytep>& rows, png_uint_32 side) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_write_fn(png, &out, appendPngBytes, flushNothing);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (auto* row : rows) png_write_row(png, row);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

QrMatrix encodeQr(std::string_view text) {
  if (text.empty()) throw std::invalid_argument("a QR code needs some text");
  if (text.size() > kMaxBytes) throw std::invalid_argument("the text is too long for a QR code");
  errno = 0;
  std::unique_ptr<QRcode, QrDeleter> code(QRcode_encodeData(
      static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE || errno == EINVAL) throw std::invalid_argument("the text does not fit a QR code");
    throw std::runtime_error("libqrencode could not encode the text");
  }
  QrMatrix qr;
  qr.size = code->width;
  const auto cells = static_cast<std::size_t>(qr.size) * static_cast<std::size_t>(qr.size);
  qr.dark.resize(cells);
  // The low bit of each module's byte is "dark"; the other bits describe its role.
  for (std::size_t i = 0; i < cells; ++i) qr.dark[i] = (code->data[i] & 1U) != 0;
  return qr;
}

std::string renderSvg(const QrMatrix& qr, int quietZone) {
  const int side = qr.size + 2 * quietZone;
  std::string path;
  // One subpath per horizontal run of dark modules: far fewer than one square per module.
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size;) {
      if (!qr.at(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < qr.size && qr.at(x + run, y)) ++run;
      path += "M" + std::to_string(x + quietZone) + " " + std::to_string(y + quietZone) + "h" + std::to_string(run) +
              "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  const auto n = std::to_string(side);
  return R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + n + " " + n +
         R"(" width="100%" height="100%" shape-rendering="crispEdges"><rect width=")" + n + R"(" height=")" + n +
         R"(" fill="#fff"/><path fill="#000" d=")" + path + R"("/></svg>)";
}

std::string renderPng(const QrMatrix& qr, int scale, int quietZone) {
  if (scale < 1 || scale > 32) throw std::invalid_argument("the PNG scale must be between 1 and 32");
  const auto side = static_cast<std::size_t>(qr.size + 2 * quietZone) * static_cast<std::size_t>(scale);
  const std::size_t rowBytes = (side + 7) / 8;
  // 1-bit gray: a set bit is white. Start all white (the quiet zone), then clear the dark modules.
  std::vector<unsigned char> pixels(rowBytes * side, 0xFF);
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.at(x, y)) continue;
      for (int dy = 0; dy < scale; ++dy) {
        const auto py =
            static_cast<std::size_t>(y + quietZone) * static_cast<std::size_t>(scale) + static_cast<std::size_t>(dy);
        for (int dx = 0; dx < scale; ++dx) {
          const auto px =
              static_cast<std::size_t>(x + quietZone) * static_cast<std::size_t>(scale) + static_cast<std::size_t>(dx);
          pixels[py * rowBytes + px / 8] &= static_cast<unsigned char>(~(0x80U >> (px % 8)));
        }
      }
    }
  }
  std::vector<png_bytep> rows(side);
  for (std::size_t y = 0; y < side; ++y) rows[y] = pixels.data() + y * rowBytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw std::runtime_error("libpng could not start");
  png_infop info = png_create_info_struct(png);
  std::string out;
  bool written = info && writePng(png, info, out, rows, static_cast<png_uint_32>(side));
  png_destroy_write_struct(&png, info ? &info : nullptr);
  if (!written) throw std::runtime_error("libpng could not write the QR code");
  return out;
}

}  // namespace boxoffice::tickets
