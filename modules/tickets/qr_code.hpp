#pragma once
// QR codes for tickets through libqrencode: the signed payload becomes a matrix of modules,
// drawn as SVG (the print page, the web shop) or PNG (wallets, mail clients without SVG).
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice::tickets {

// A QR symbol: `size` x `size` modules, row by row, true = dark. No quiet zone.
struct QrMatrix {
  int size = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + x]; }
};

// Encodes `text` as 8-bit data with error correction level M (a worn, folded or phone-screen
// ticket still scans). Throws std::invalid_argument if `text` is empty or too long for a QR
// symbol; std::runtime_error if libqrencode fails otherwise.
QrMatrix encodeQr(std::string_view text);

// A standalone SVG document: one <path> of the dark modules on a white background, a quiet zone
// of `quietZone` modules, scalable (viewBox in modules, crisp edges).
std::string renderSvg(const QrMatrix& qr, int quietZone = 4);

// A PNG file (1-bit grayscale), `scale` pixels per module (1..32) and a quiet zone of
// `quietZone` modules. Throws std::invalid_argument for a scale out of range.
std::string renderPng(const QrMatrix& qr, int scale, int quietZone = 4);

}  // namespace boxoffice::tickets
