// Built-in TLS against the real binary, with certificates the test makes itself (openssl CLI).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <openssl/ssl.h>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"
#include "tls_client.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {

// A self-signed P-256 certificate for `commonName`, written to cert.pem and key.pem in `dir`.
void makeCertificate(const std::filesystem::path& dir, const std::string& commonName) {
  auto command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + commonName +
      " -keyout " + (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

TestServer::Options tlsOptions(const std::filesystem::path& dir) {
  TestServer::Options options;
  options.plainHttp = false;
  options.env = {{"BOXOFFICE_SERVER_TLS_CERTIFICATE_FILE", (dir / "cert.pem").string()},
                 {"BOXOFFICE_SERVER_TLS_PRIVATE_KEY_FILE", (dir / "key.pem").string()}};
  return options;
}

// Waits until the server answers /ready over TLS.
bool readyOverTls(std::uint16_t port) {
  return eventually([&] {
    try {
      TlsConnection connection(port);
      return connection.get("/ready").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  });
}

}  // namespace

TEST_CASE("tls: the server speaks TLS 1.2+ only, with HSTS, and nothing in plain text") {
  TempDir dir;
  makeCertificate(dir.path(), "first.boxoffice.test");
  TestServer server(tlsOptions(dir.path()));
  REQUIRE(readyOverTls(server.port()));

  TlsConnection connection(server.port());
  CHECK(connection.protocol() == "TLSv1.3");
  CHECK(connection.peerCommonName() == "first.boxoffice.test");
  auto health = connection.get("/health");
  CHECK(health.status == 200);
  CHECK(health.header("strict-transport-security") == "max-age=31536000");
  CHECK(connection.get("/api/v1/events").status == 200);  // keep-alive on the same connection

  // TLS 1.2 is accepted, 1.1 refused.
  TlsConnection tls12(server.port(), TLS1_2_VERSION);
  CHECK(tls12.protocol() == "TLSv1.2");
  CHECK_THROWS(TlsConnection(server.port(), TLS1_1_VERSION));

  // Plain HTTP gets no answer: the handshake fails and the connection is closed.
  RawConnection plain(server.port(), 5s);
  plain.trySend(formatRequest("GET", "/health", {}, {}, server.port()));
  std::string received;
  CHECK(plain.waitForClose(5s, &received));
  CHECK(received.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("tls: SIGHUP loads a renewed certificate for new connections, keeps open ones, survives a bad file") {
  TempDir dir;
  makeCertificate(dir.path(), "first.boxoffice.test");
  TestServer server(tlsOptions(dir.path()));
  REQUIRE(readyOverTls(server.port()));
  TlsConnection before(server.port());
  REQUIRE(before.peerCommonName() == "first.boxoffice.test");

  makeCertificate(dir.path(), "renewed.boxoffice.test");
  server.signal(SIGHUP);
  REQUIRE(eventually([&] { return server.logs().find("TLS certificate reloaded") != std::string::npos; }));
  TlsConnection after(server.port());
  CHECK(after.peerCommonName() == "renewed.boxoffice.test");
  CHECK(before.get("/health").status == 200);  // the open connection was not dropped

  // A half-written renewal: the reload fails, says so, and the last good certificate stays.
  std::ofstream(dir.path() / "cert.pem") << "-----BEGIN CERTIFICATE-----\ntruncated";
  server.signal(SIGHUP);
  REQUIRE(eventually([&] { return server.logs().find("TLS certificate reload failed") != std::string::npos; }));
  TlsConnection still(server.port());
  CHECK(still.peerCommonName() == "renewed.boxoffice.test");
  CHECK(server.running());
}

TEST_CASE("tls: a certificate that cannot be used stops the start, naming the key") {
  TempDir dir;
  std::ofstream(dir.path() / "cert.pem") << "not a certificate";
  std::ofstream(dir.path() / "key.pem") << "not a key";
  TestServer::Options options = tlsOptions(dir.path());
  CHECK_THROWS_WITH([&] { TestServer refused(options); }(), doctest::Contains("server.tls.certificateFile"));
}
