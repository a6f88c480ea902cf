// Emails per second (docs/api/notifications.md, "Figures"): N email deliveries queued in a real
// notifications.db (synchronous=FULL), then the delivery sender sends them over SMTP (libcurl,
// one kept connection) to the local test SMTP server (aiosmtpd, tests/support/smtp_server.py)
// until the server has received all N. The reference, measured in the same run against the same
// server: Python's smtplib sending N messages of the same size over one connection, with no
// database at all. The ratio is the cost of our bookkeeping (claim before the send, outcome and
// NotificationSent after it) over a bare SMTP client.
//
//   build/notification_sender [emails]     (default 1000)
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "deliveries.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_database.hpp"
#include "templates.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;
using Steady = std::chrono::steady_clock;

namespace {

double seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

// About the size of a shipped order confirmation.
const std::string kText = std::string(900, 'x') + "\nTotal: 1.350,00 €\n";
const std::string kHtml = "<!DOCTYPE html><html><body><p>" + std::string(1800, 'y') + "</p></body></html>";

double referenceEmailsPerSecond(std::uint16_t port, int count) {
  std::string script = R"(
import smtplib, sys, time
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
port, n = int(sys.argv[1]), int(sys.argv[2])
text, html = "x" * 900 + "\nTotal: 1.350,00 \u20ac\n", "<!DOCTYPE html><html><body><p>" + "y" * 1800 + "</p></body></html>"
start = time.monotonic()
with smtplib.SMTP("127.0.0.1", port) as smtp:
    for i in range(n):
        m = MIMEMultipart("alternative")
        m["From"], m["To"], m["Subject"] = "tickets@boxoffice.test", "ref%d@example.com" % i, "Your order"
        m.attach(MIMEText(text, "plain", "utf-8"))
        m.attach(MIMEText(html, "html", "utf-8"))
        smtp.send_message(m)
print(n / (time.monotonic() - start))
)";
  std::string command = "/usr/bin/python3 -c '" + script + "' " + std::to_string(port) + " " + std::to_string(count);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run python3");
  char buffer[64] = {};
  if (!fgets(buffer, sizeof buffer, pipe.get())) throw std::runtime_error("the smtplib reference printed nothing");
  return std::stod(buffer);
}

}  // namespace

int main(int argc, char** argv) try {
  const int count = argc > 1 ? std::stoi(argv[1]) : 1000;
  testing::SmtpServer smtp;

  SystemClock clock;
  test_support::TempDatabase db{"notifications", embeddedMigrations()};
  ConfigSchema schema;
  schema.add(deliveryConfigKeys());
  Config config(schema);
  config.set("notifications.smtp.host", "127.0.0.1", "bench");
  config.set("notifications.smtp.port", std::to_string(smtp.port()), "bench");
  config.set("notifications.smtp.security", "none", "bench");
  config.set("notifications.smtp.from", "tickets@boxoffice.test", "bench");
  Metrics metrics;
  Templates templates(*db.db, clock);
  Deliveries deliveries(*db.db, templates, config, clock, db.log, metrics);

  db.db->write([&](Tx& tx) {
    for (int i = 0; i < count; ++i) {
      NewDelivery d;
      d.sourceMessageId = "bench-" + std::to_string(i);
      d.correlationId = d.sourceMessageId;
      d.type = "OrderConfirmation";
      d.reader = Reader{"user-" + std::to_string(i), "de", "Europe/Berlin"};
      d.userName = "Ada";
      d.address = "user" + std::to_string(i) + "@example.com";
      d.content = Rendered{"Ihre Tickets", kText, kHtml, "A", "de"};
      deliveries.enqueue(tx, d);
    }
  });

  auto start = Steady::now();
  deliveries.start();
  auto received = smtp.waitForMessages(static_cast<std::size_t>(count), std::chrono::minutes(10));
  double ours = count / seconds(Steady::now() - start);
  deliveries.stop();
  if (received.size() != static_cast<std::size_t>(count)) {
    std::cerr << "only " << received.size() << " of " << count << " emails arrived\n";
    return 1;
  }
  double reference = referenceEmailsPerSecond(smtp.port(), count);
  std::printf("emails: %d to a local aiosmtpd\n", count);
  std::printf("boxoffice sender:      %8.1f emails/s\n", ours);
  std::printf("smtplib reference:     %8.1f emails/s\n", reference);
  std::printf("ratio (ours/reference): %7.2f\n", ours / reference);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "notification_sender: " << e.what() << "\n";
  return 1;
}
