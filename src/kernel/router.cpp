#include "boxoffice/kernel/router.hpp"

#include <algorithm>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>
#include <span>
#include <stdexcept>

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice {

namespace {
// Views into `path`, which outlives them.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// A parameter's value, percent-decoded only after matching; "" when its escapes are malformed
// (the server refuses such targets before routing, so this is only a second line).
std::string decodeSegment(std::string_view raw) {
  auto checked = boost::urls::make_pct_string_view(raw);
  if (!checked) return {};
  std::string out;
  for (char c : **checked) out.push_back(c);  // ** is the decoded view
  return out;
}

bool isParam(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

// Paths are "/api/v1/<module>/...": the third segment tells most routes apart, so the index
// keys on it (on the last segment of a shorter path). A request is fitted only to the routes of
// its own segment count with that literal there, and to those with a {parameter} there.
std::size_t indexedPosition(std::size_t segmentCount) { return std::min<std::size_t>(2, segmentCount - 1); }

// How well a route fits: literal segments score higher than parameters at the same position.
// Segments are compared as sent: a literal matches only its own spelling ("/%6detrics" is not
// "/metrics", "a%2Fb" is one segment), and a parameter is decoded once it has matched.
std::optional<std::size_t> fit(const Route& route, const std::vector<std::string_view>& segments,
                               std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return std::nullopt;
  std::size_t score = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& pattern = route.segments[i];
    score <<= 1;
    if (isParam(pattern)) {
      if (segments[i].empty()) return std::nullopt;
      if (params) (*params)[pattern.substr(1, pattern.size() - 2)] = decodeSegment(segments[i]);
    } else if (pattern == segments[i]) {
      score |= 1;
    } else {
      return std::nullopt;
    }
  }
  return score;
}
}  // namespace

Route& Router::add(http::Method method, const std::string& pattern, std::string module, Access access, Handler handler,
                   Execution execution) {
  return addAsync(
      method, pattern, std::move(module), access,
      [handler = std::move(handler)](const http::Request& request, RequestContext context, const Respond& respond) {
        respond(handler(request, context));
      },
      execution);
}

Route& Router::addAsync(http::Method method, const std::string& pattern, std::string module, Access access,
                        AsyncHandler handler, Execution execution) {
  for (const auto& route : routes_) {
    if (route->method == method && route->pattern == pattern) {
      throw std::logic_error("duplicate route " + std::string(http::to_string(method)) + " " + pattern);
    }
  }
  auto route = std::make_unique<Route>(
      Route{method, pattern, std::move(module), access, std::move(handler), execution, {}, nullptr, {}});
  for (auto segment : split(route->pattern)) route->segments.emplace_back(segment);
  auto& bucket = index_[route->segments.size()];
  const auto& indexed = route->segments[indexedPosition(route->segments.size())];
  auto& list = isParam(indexed) ? bucket.byParameter : bucket.byLiteral[indexed];
  list.push_back(routes_.size());
  routes_.push_back(std::move(route));
  return *routes_.back();
}

RouteMatch Router::match(http::Method method, std::string_view path) const {
  RouteMatch result;
  auto segments = split(path);
  auto bucket = index_.find(segments.size());
  if (segments.empty() || bucket == index_.end()) return result;  // empty: a path without its '/'
  auto literal = bucket->second.byLiteral.find(segments[indexedPosition(segments.size())]);
  std::span<const std::size_t> named;
  if (literal != bucket->second.byLiteral.end()) named = literal->second;
  std::span<const std::size_t> parameter = bucket->second.byParameter;
  std::optional<std::size_t> best;
  // The two lists merged back into registration order: ties and `allowed` come out as if every
  // route had been tried in turn.
  for (std::size_t i = 0, j = 0; i < named.size() || j < parameter.size();) {
    bool takeNamed = j == parameter.size() || (i < named.size() && named[i] < parameter[j]);
    const auto& route = routes_[takeNamed ? named[i++] : parameter[j++]];
    auto score = fit(*route, segments, nullptr);
    if (!score) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), route->method) == result.allowed.end()) {
      result.allowed.push_back(route->method);
    }
    if (route->method == method && (!best || *score > *best)) {
      best = score;
      result.route = route.get();
    }
  }
  if (result.route) fit(*result.route, segments, &result.params);
  return result;
}

}  // namespace boxoffice
