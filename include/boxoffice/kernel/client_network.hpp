#pragma once
// The key per-client limits use: one IPv4 address, or one IPv6 /64 (a single host usually holds
// a whole /64, so counting its addresses one by one would give it 2^64 budgets). An IPv4 address
// written as IPv6 ("::ffff:192.0.2.1") counts as that IPv4 address. Text that is not an address
// is its own key.
#include <string>
#include <string_view>

namespace boxoffice {

std::string clientNetwork(std::string_view address);

}  // namespace boxoffice
