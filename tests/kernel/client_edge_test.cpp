// What the server believes about a client: its network (per-client limits), the address behind a
// trusted proxy, and the bounded pool some routes run on.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <doctest/doctest.h>
#include <mutex>
#include <thread>

#include "boxoffice/kernel/bounded_executor.hpp"
#include "boxoffice/kernel/client_network.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/trusted_proxies.hpp"

using namespace boxoffice;

TEST_CASE("client network: an IPv4 address is itself, an IPv6 address counts as its /64") {
  CHECK(clientNetwork("192.0.2.7") == "192.0.2.7");
  CHECK(clientNetwork("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
  CHECK(clientNetwork("2001:db8:1:2::1") == clientNetwork("2001:db8:1:2:ffff::9"));
  CHECK(clientNetwork("2001:db8:1:3::1") != clientNetwork("2001:db8:1:2::1"));
  CHECK(clientNetwork("::ffff:192.0.2.7") == "192.0.2.7");  // IPv4-mapped is the IPv4 address
  CHECK(clientNetwork("unknown") == "unknown");
}

TEST_CASE("trusted proxies: entries are addresses or CIDR ranges, a bad one names itself") {
  TrustedProxies proxies({"10.0.0.0/8", "192.0.2.1", "fd00::/8"});
  CHECK(proxies.contains("10.1.2.3"));
  CHECK(proxies.contains("192.0.2.1"));
  CHECK_FALSE(proxies.contains("192.0.2.2"));
  CHECK(proxies.contains("fd12::1"));
  CHECK_FALSE(proxies.contains("fe80::1"));
  CHECK(proxies.contains("::ffff:10.9.9.9"));  // an IPv4 peer seen through a dual-stack socket
  CHECK_FALSE(proxies.contains("not an address"));
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "example.org", "10.0.0.256"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(TrustedProxies({bad}), doctest::Contains(bad), ConfigError);
  }
}

TEST_CASE("trusted proxies: only a trusted peer is believed, and only for the hops it vouches for") {
  TrustedProxies proxies({"10.0.0.0/8"});
  http::Headers spoofed{{"X-Forwarded-For", "1.2.3.4"}, {"X-Forwarded-Proto", "https"}};
  // An untrusted peer's headers change nothing.
  auto direct = proxies.resolve("203.0.113.9", spoofed, "http");
  CHECK(direct.address == "203.0.113.9");
  CHECK(direct.scheme == "http");

  // Through the proxy: the rightmost hop it does not itself trust is the client; whatever the
  // client prepended stays to the left of it.
  http::Headers chain{{"X-Forwarded-For", "6.6.6.6, 198.51.100.20, 10.0.0.5"}, {"X-Forwarded-Proto", "https"}};
  auto viaProxy = proxies.resolve("10.0.0.1", chain, "http");
  CHECK(viaProxy.address == "198.51.100.20");
  CHECK(viaProxy.scheme == "https");

  // RFC 7239 Forwarded wins over X-Forwarded-For, with quoted IPv6 and ports.
  http::Headers forwarded{{"Forwarded", R"(for=6.6.6.6, for="[2001:db8::17]:4711";proto=https)"},
                          {"X-Forwarded-For", "9.9.9.9"}};
  auto rfc = proxies.resolve("10.0.0.1", forwarded, "http");
  CHECK(rfc.address == "2001:db8::17");
  CHECK(rfc.scheme == "https");

  // Garbage in the chain stops the walk: the proxy itself is all that can be believed.
  http::Headers garbage{{"X-Forwarded-For", "unknown"}};
  CHECK(proxies.resolve("10.0.0.1", garbage, "http").address == "10.0.0.1");
  // A proto other than http/https is ignored.
  http::Headers oddProto{{"X-Forwarded-For", "198.51.100.20"}, {"X-Forwarded-Proto", "gopher"}};
  CHECK(proxies.resolve("10.0.0.1", oddProto, "http").scheme == "http");
  // With no proxies configured nothing is believed.
  CHECK(TrustedProxies().resolve("10.0.0.1", chain, "http").address == "10.0.0.1");
}

TEST_CASE("bounded executor: refuses instead of queueing past its limit, then takes work again") {
  BoundedExecutor pool({"test-pool", 1, 2, 0});
  std::mutex mutex;
  std::condition_variable released;
  bool open = false;
  std::atomic<int> ran{0};
  auto blocker = [&] {
    std::unique_lock lock(mutex);
    released.wait(lock, [&] { return open; });
    ++ran;
  };
  REQUIRE(pool.trySubmit(blocker));  // runs (once the thread takes it)
  REQUIRE(pool.trySubmit(blocker));  // waits
  REQUIRE(pool.trySubmit(blocker));  // waits
  // One running, two waiting: the next is refused at once, whatever the timing of the take.
  while (pool.running() == 0) std::this_thread::yield();
  CHECK_FALSE(pool.trySubmit(blocker));
  CHECK(pool.queued() == 2);
  {
    std::lock_guard lock(mutex);
    open = true;
  }
  released.notify_all();
  while (ran.load() < 3) std::this_thread::yield();
  CHECK(pool.trySubmit([&] { ++ran; }));
  while (ran.load() < 4) std::this_thread::yield();
  CHECK(ran.load() == 4);
}

TEST_CASE("bounded executor: a job's exception does not end its thread, queued work runs before the end") {
  std::atomic<int> ran{0};
  {
    BoundedExecutor pool({"test-pool", 1, 8, 0});
    CHECK(pool.trySubmit([] { throw std::runtime_error("boom"); }));
    for (int i = 0; i < 5; ++i) CHECK(pool.trySubmit([&] { ++ran; }));
  }  // the destructor runs what is queued, then joins
  CHECK(ran.load() == 5);
}
