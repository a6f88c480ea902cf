#include "smtp_mailer.hpp"

#include <array>
#include <cstring>
#include <ctime>
#include <curl/curl.h>

namespace boxoffice::notifications {

namespace {

std::string clean(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) | (std::uint32_t(std::uint8_t(in[i + 1])) << 8) |
             std::uint8_t(in[i + 2]);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    auto n = std::uint32_t(std::uint8_t(in[i])) << 16;
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) | (std::uint32_t(std::uint8_t(in[i + 1])) << 8);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64Lines(std::string_view in) {
  auto encoded = base64(in);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

std::string rfc5322Date(std::int64_t seconds) {
  std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}  // namespace

// "Subject: " and the value stay well inside one 998-character line.
constexpr std::size_t kMaxPlainHeaderValue = 900;

std::string encodeHeaderWord(const std::string& raw) {
  auto value = clean(raw);
  bool ascii = true;
  for (unsigned char c : value) ascii = ascii && c >= 0x20 && c < 0x7f;
  // RFC 5322 caps a line at 998 characters: a long value, ASCII or not, becomes encoded words,
  // one per folded line (each at most 75 characters), split at UTF-8 character boundaries.
  if (ascii && value.size() <= kMaxPlainHeaderValue) return value;
  std::string out;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t end = std::min(value.size(), start + 39);
    while (end > start && end < value.size() && (std::uint8_t(value[end]) & 0xC0) == 0x80) --end;
    if (end == start) end = std::min(value.size(), start + 39);  // not UTF-8 at all: cut anywhere
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(value).substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string domainOf(const std::string& address) {
  auto at = address.rfind('@');
  auto domain = at == std::string::npos ? std::string("localhost") : address.substr(at + 1);
  auto close = domain.find('>');
  if (close != std::string::npos) domain.resize(close);
  return domain.empty() ? "localhost" : clean(domain);
}

std::string buildMime(const SmtpSettings& settings, const Email& email) {
  const std::string boundary = "=_bx_" + clean(email.messageId).substr(0, 40);
  std::string m;
  m += "Date: " + rfc5322Date(email.dateUnixSeconds) + "\r\n";
  m += "From: " + clean(settings.from) + "\r\n";
  m += "To: " + clean(email.to) + "\r\n";
  m += "Subject: " + encodeHeaderWord(email.subject) + "\r\n";
  m += "Message-ID: <" + clean(email.messageId) + ">\r\n";
  if (!email.language.empty()) m += "Content-Language: " + clean(email.language) + "\r\n";
  if (!email.unsubscribeUrl.empty()) {
    m += "List-Unsubscribe: <" + clean(email.unsubscribeUrl) + ">\r\n";
    m += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64Lines(email.text);
  if (!email.html.empty()) {
    m += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    m += base64Lines(email.html);
  }
  m += "--" + boundary + "--\r\n";
  return m;
}

struct SmtpMailer::Handle {
  CURL* curl = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

SmtpMailer::SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)), handle_(std::make_unique<Handle>()) {}
SmtpMailer::~SmtpMailer() = default;

namespace {
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};
std::size_t readUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  auto n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}
struct Recipients {
  curl_slist* list = nullptr;
  Recipients() = default;
  Recipients(const Recipients&) = delete;
  Recipients& operator=(const Recipients&) = delete;
  ~Recipients() { curl_slist_free_all(list); }
};
}  // namespace

std::optional<std::string> SmtpMailer::send(const Email& email) {
  if (!handle_->curl) handle_->curl = curl_easy_init();
  CURL* curl = handle_->curl;
  if (!curl) return "curl_easy_init failed";
  // Options are set again each time (reset keeps the connection cache, so the connection stays).
  curl_easy_reset(curl);
  const bool tls = settings_.security == "tls";
  std::string url = std::string(tls ? "smtps://" : "smtp://") + settings_.host + ":" + std::to_string(settings_.port) +
                    "/" + domainOf(settings_.from);
  auto mime = buildMime(settings_, email);
  Upload upload{mime};
  Recipients rcpt;
  const std::string to = "<" + clean(email.to) + ">";
  const std::string from = "<" + clean(settings_.from) + ">";
  rcpt.list = curl_slist_append(nullptr, to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt.list);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, readUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, settings_.connectTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, settings_.timeoutMs);
  if (settings_.security == "starttls") curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  auto code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (code == CURLE_OK) return std::nullopt;
  std::string message = curl_easy_strerror(code);
  if (error[0]) message += ": " + std::string(error);
  return message;
}

}  // namespace boxoffice::notifications
