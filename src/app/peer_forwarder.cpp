#include "app/peer_forwarder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <curl/curl.h>
#include <string_view>

#include "boxoffice/inventory/api.hpp"

namespace boxoffice::app {

namespace {

// The request headers the owner needs to answer as this instance would have.
constexpr std::array<std::string_view, 7> kRelayedRequestHeaders{
    "Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "Accept-Language", "X-Request-Id"};

// The owner's answer headers that belong to the answer itself; hop-by-hop, framing, request
// ids and rate-limit counts are this instance's own to set.
bool relayedResponseHeader(std::string_view name) {
  constexpr std::array<std::string_view, 9> kRelayed{"content-type",        "location",          "etag",
                                                     "retry-after",         "cache-control",     "content-language",
                                                     "idempotent-replayed", "x-available-seats", "vary"};
  return std::any_of(kRelayed.begin(), kRelayed.end(), [&](std::string_view relayed) {
    return name.size() == relayed.size() && std::equal(name.begin(), name.end(), relayed.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  });
}

// The owner answers a seat command with a small JSON document; anything larger is not its answer.
constexpr std::size_t kMaxAnswerBytes = 1 << 20;

struct Received {
  http::Response response;
  bool tooLarge = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& received = *static_cast<Received*>(user);
  std::size_t bytes = size * count;
  if (received.response.body.size() + bytes > kMaxAnswerBytes) {
    received.tooLarge = true;
    return 0;  // aborts the transfer
  }
  received.response.body.append(data, bytes);
  return bytes;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& received = *static_cast<Received*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    received.response.headers.clear();  // a 100 Continue's headers, then the answer's
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  auto name = line.substr(0, colon);
  auto value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (relayedResponseHeader(name)) received.response.headers[std::string(name)] = std::string(value);
  return line.size();
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// A quoted-string for Forwarded: for="..." (an IPv6 address has colons; quotes keep it one token).
std::string forwardedFor(const std::string& address) {
  std::string out = "for=\"";
  if (address.find(':') != std::string::npos)
    out += "[" + address + "]";
  else
    out += address;
  return out + "\"";
}

}  // namespace

struct PeerForwarder::Handles {
  std::mutex mutex;
  std::vector<CurlHandle> idle;
  CurlHandle take() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto handle = std::move(idle.back());
        idle.pop_back();
        return handle;
      }
    }
    return CurlHandle(curl_easy_init());
  }
  void give(CurlHandle handle) {
    std::lock_guard lock(mutex);
    idle.push_back(std::move(handle));
  }
};

PeerForwarder::PeerForwarder(Options options, Metrics& metrics, Logger log)
    : options_(std::move(options)),
      metrics_(metrics),
      log_(std::move(log)),
      handles_(std::make_unique<Handles>()),
      executor_(std::make_unique<BoundedExecutor>(BoundedExecutor::Options{
          .name = "forward", .threads = options_.threads, .queueLimit = options_.queueLimit})) {
  metrics_.describe("cluster_forwards_total", "counter",
                    "Seat commands this instance sent to the instance that owns the seats, by result.");
}

PeerForwarder::~PeerForwarder() { stop(); }

void PeerForwarder::stop() {
  stopping_ = true;
  executor_.reset();  // runs what is queued (each answers nullopt at once) and joins
}

void PeerForwarder::forward(std::function<std::string()> resolve, const http::Request& request, Answer answer) {
  // The job owns a copy: the request object belongs to the connection, which may be gone.
  auto job = [this, resolve = std::move(resolve), request, answer] {
    std::optional<http::Response> response;
    if (stopping_.load()) return answer(std::nullopt);
    try {
      auto base = resolve();
      // Only an origin-form target ("/api/...") is appended: nothing a client sends can name
      // another host for this instance to call.
      if (!base.empty() && request.target.starts_with('/')) response = send(base + request.target, request);
    } catch (const std::exception& e) {
      log_.warn("forwarding a seat command failed", {{"error", std::string(e.what())}});
    }
    metrics_.increment("cluster_forwards_total", {{"result", response ? "answered" : "failed"}});
    answer(std::move(response));
  };
  if (stopping_.load() || !executor_ || !executor_->trySubmit(std::move(job))) {
    metrics_.increment("cluster_forwards_total", {{"result", "refused"}});
    answer(std::nullopt);
  }
}

std::optional<http::Response> PeerForwarder::send(const std::string& url, const http::Request& request) {
  auto handle = handles_->take();
  if (!handle) return std::nullopt;
  CURL* curl = handle.get();
  curl_easy_reset(curl);  // keeps the connection cache: the owner's connection is reused
  Received received;
  HeaderList headers;
  for (auto name : kRelayedRequestHeaders) {
    if (auto value = request.header(name)) headers.add(std::string(name) + ": " + *value);
  }
  headers.add("Forwarded: " + forwardedFor(request.remoteAddress));
  headers.add(std::string(inventory::kForwardedByHeader) + ": " + options_.instanceId);
  headers.add("Expect:");                                             // no 100-continue round trip
  if (!request.header("Content-Type")) headers.add("Content-Type:");  // not curl's form type
  auto method = std::string(http::to_string(request.method));
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(options_.timeout.count(), 2000)));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  if (!request.body.empty() || request.method != http::Method::Get) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  auto code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  handles_->give(std::move(handle));
  if (code != CURLE_OK || status < 100 || received.tooLarge) {
    // Once a second at most: an owner that went away fails every forward until a new one is known.
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = lastFailureLogged_.load();
    if (now - last > std::chrono::steady_clock::duration(std::chrono::seconds(1)).count() &&
        lastFailureLogged_.compare_exchange_strong(last, now)) {
      log_.warn("the instance that owns the seats did not answer a forwarded command",
                {{"url", url}, {"error", std::string(curl_easy_strerror(code))}});
    }
    return std::nullopt;
  }
  received.response.status = static_cast<int>(status);
  return std::move(received.response);
}

}  // namespace boxoffice::app
