#include "smtp_server.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "process.hpp"
#include "test_server.hpp"

namespace boxoffice::testing {

namespace {

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string str(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

SmtpServer::SmtpServer() : SmtpServer(Options{}) {}

SmtpServer::SmtpServer(Options options) : options_(std::move(options)) {
  dir_ = process::makeTempDir("bx-smtp");
  start();
}

SmtpServer::~SmtpServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SmtpServer::start() {
  if (pid_ > 0) return;
  // Debian's python has aiosmtpd (python3-aiosmtpd); a pyenv python on PATH may not.
  std::filesystem::path python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::vector<std::string> args{(sourceDir() / "tests/support/smtp_server.py").string(), "--out",
                                (dir_ / "mail").string(), "--port", std::to_string(port_)};
  if (options_.dataDelayMs > 0) args.insert(args.end(), {"--data-delay-ms", std::to_string(options_.dataDelayMs)});
  if (options_.rejectAll) args.push_back("--reject-all");
  if (!options_.user.empty()) args.insert(args.end(), {"--user", options_.user, "--password", options_.password});
  auto log = dir_ / ("server-" + std::to_string(++starts_) + ".log");
  pid_ = process::spawn(python, args, process::environmentWith({}), log);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    auto output = process::readFile(log);
    auto at = output.find("PORT ");
    if (at != std::string::npos && output.find('\n', at) != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(output.substr(at + 5)));
      return;
    }
    int status = 0;
    if (process::exited(pid_, status)) {
      pid_ = -1;
      throw std::runtime_error("the test SMTP server did not start: " + output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("the test SMTP server did not print its port in 15 s");
}

void SmtpServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  process::waitFor(pid_, 10000);
  pid_ = -1;
}

std::vector<SmtpServer::Mail> SmtpServer::messages() const {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "mail", ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  for (const auto& file : files) {
    auto value = boost::json::parse(slurp(file));
    const auto& o = value.as_object();
    Mail mail;
    mail.from = str(o, "from");
    for (const auto& to : o.at("to").as_array()) mail.to.emplace_back(to.as_string());
    for (const auto& [name, v] : o.at("headers").as_object())
      mail.headers[std::string(name)] = std::string(v.as_string());
    mail.text = str(o, "text");
    mail.html = str(o, "html");
    mail.raw = str(o, "raw");
    mail.peer = str(o, "peer");
    out.push_back(std::move(mail));
  }
  return out;
}

std::vector<SmtpServer::Mail> SmtpServer::waitForMessages(std::size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto mails = messages();
  while (mails.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    mails = messages();
  }
  return mails;
}

}  // namespace boxoffice::testing
