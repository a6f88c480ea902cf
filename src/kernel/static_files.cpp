#include "boxoffice/kernel/static_files.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "boxoffice/kernel/preconditions.hpp"
#include "boxoffice/kernel/problem.hpp"

namespace boxoffice {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The q-value of one Accept-Encoding member ("gzip;q=0.5" → 0.5); 1 without one, 0 when malformed.
double qualityOf(std::string_view parameters) {
  while (!parameters.empty()) {
    auto semicolon = parameters.find(';');
    auto parameter = trim(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? std::string_view{} : parameters.substr(semicolon + 1);
    if (parameter.size() < 2 || std::tolower(static_cast<unsigned char>(parameter[0])) != 'q' || parameter[1] != '=')
      continue;
    auto value = parameter.substr(2);
    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): parsed by hand, no locale.
    if (value.empty() || (value[0] != '0' && value[0] != '1')) return 0;
    double q = value[0] == '1' ? 1.0 : 0.0;
    double scale = 0.1;
    for (std::size_t i = 2; i < value.size() && i < 5 && value[1] == '.'; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(value[i]))) return 0;
      q += (value[i] - '0') * scale;
      scale /= 10;
    }
    return std::min(q, 1.0);
  }
  return 1.0;
}

const StaticFile* find(std::span<const StaticFile> files, std::string_view path) {
  auto it = std::find_if(files.begin(), files.end(), [&](const StaticFile& f) { return f.path == path; });
  return it == files.end() ? nullptr : &*it;
}

// The same strong tag is never given to two representations: the coding is part of it.
std::string taggedFor(std::string_view etag, ContentCoding coding) {
  if (coding == ContentCoding::Identity || etag.size() < 2) return std::string(etag);
  std::string tag(etag.substr(0, etag.size() - 1));
  tag += coding == ContentCoding::Brotli ? "-br\"" : "-gz\"";
  return tag;
}

void securityHeaders(http::Response& response) {
  response.headers["X-Content-Type-Options"] = "nosniff";
  response.headers["Referrer-Policy"] = "same-origin";
}

}  // namespace

ContentCoding chooseCoding(std::string_view acceptEncoding, bool hasGzip, bool hasBrotli) {
  // -1: not named. A coding that is not named takes the q of `*`, if that is named.
  double brotli = -1;
  double gzip = -1;
  double any = -1;
  while (!acceptEncoding.empty()) {
    auto comma = acceptEncoding.find(',');
    auto member = trim(acceptEncoding.substr(0, comma));
    acceptEncoding = comma == std::string_view::npos ? std::string_view{} : acceptEncoding.substr(comma + 1);
    auto semicolon = member.find(';');
    auto name = trim(member.substr(0, semicolon));
    double q = semicolon == std::string_view::npos ? 1.0 : qualityOf(member.substr(semicolon + 1));
    if (equalsIgnoreCase(name, "br")) brotli = q;
    if (equalsIgnoreCase(name, "gzip") || equalsIgnoreCase(name, "x-gzip")) gzip = q;
    if (name == "*") any = q;
  }
  if (brotli < 0) brotli = any;
  if (gzip < 0) gzip = any;
  if (hasBrotli && brotli > 0 && brotli >= gzip) return ContentCoding::Brotli;
  if (hasGzip && gzip > 0) return ContentCoding::Gzip;
  if (hasBrotli && brotli > 0) return ContentCoding::Brotli;
  return ContentCoding::Identity;
}

http::Response serveStaticFile(const StaticFile& file, const http::Request& request, bool immutable,
                               std::string_view contentSecurityPolicy) {
  auto coding = chooseCoding(request.header("Accept-Encoding").value_or(""), !file.gzip.empty(), !file.brotli.empty());
  http::Response response;
  response.headers["Content-Type"] = std::string(file.contentType);
  response.headers["Vary"] = "Accept-Encoding";
  response.headers["Cache-Control"] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
  securityHeaders(response);
  if (!contentSecurityPolicy.empty()) response.headers["Content-Security-Policy"] = std::string(contentSecurityPolicy);
  auto etag = taggedFor(file.etag, coding);
  response.headers["ETag"] = etag;
  if (coding != ContentCoding::Identity)
    response.headers["Content-Encoding"] = coding == ContentCoding::Brotli ? "br" : "gzip";
  if (auto ifNoneMatch = request.header("If-None-Match");
      ifNoneMatch && EntityTagList::parse(*ifNoneMatch).matchesWeakly(etag)) {
    response.status = 304;
    response.headers.erase("Content-Type");
    return response;
  }
  auto bytes = coding == ContentCoding::Brotli ? file.brotli
               : coding == ContentCoding::Gzip ? file.gzip
                                               : file.identity;
  response.body.assign(bytes.data(), bytes.size());
  return response;
}

void registerStaticSite(Router& router, std::span<const StaticFile> files, const StaticSiteOptions& options) {
  const StaticFile* index = find(files, options.index);
  if (index == nullptr) throw std::logic_error("static site: the table has no " + options.index);
  auto policy = std::make_shared<const std::string>(options.contentSecurityPolicy);

  auto page = [index, policy](const http::Request& request, RequestContext&) {
    return serveStaticFile(*index, request, false, *policy);
  };
  auto pageDoc = [](std::string summary, std::vector<openapi::Parameter> path = {}) {
    return openapi::Operation{.summary = std::move(summary),
                              .description = "The web UI's page (HTML); the browser routes from here.",
                              .path = std::move(path),
                              .responses = {{200, "The page", std::nullopt, {"text/html"}}}};
  };
  router.add(http::Method::Get, "/", options.module, Access::anyone(), page, Execution::IoThread)
      .describe(pageDoc("The web UI"));
  for (const auto& route : options.pageRoutes) {
    std::vector<openapi::Parameter> parameters;
    for (std::size_t open = route.find('{'); open != std::string::npos; open = route.find('{', open + 1)) {
      auto close = route.find('}', open);
      parameters.push_back({route.substr(open + 1, close - open - 1), openapi::string(), "Interpreted by the page."});
    }
    router.add(http::Method::Get, route, options.module, Access::anyone(), page, Execution::IoThread)
        .describe(pageDoc("The web UI at " + route, std::move(parameters)));
  }

  // Only the table's assets exist: the parameter is a key into it, never a file-system path.
  std::map<std::string, const StaticFile*, std::less<>> assets;
  std::set<std::string> types;
  for (const auto& file : files) {
    if (!file.path.starts_with(options.assetPrefix)) continue;
    assets.emplace(std::string(file.path.substr(options.assetPrefix.size())), &file);
    types.emplace(file.contentType.substr(0, file.contentType.find(';')));
  }
  auto table = std::make_shared<const decltype(assets)>(std::move(assets));
  std::vector<std::string> mediaTypes(types.begin(), types.end());
  router
      .add(
          http::Method::Get, "/" + options.assetPrefix + "{file}", options.module, Access::anyone(),
          [table](const http::Request& request, RequestContext&) {
            auto it = table->find(request.param("file"));
            if (it == table->end()) throw Problem::notFound("No asset of this build has this name.");
            return serveStaticFile(*it->second, request, true, {});
          },
          Execution::IoThread)
      .describe({.summary = "A file of the web UI (content-hashed name, cached for a year)",
                 .path = {{"file", openapi::string(), "The file name, as the page names it."}},
                 .responses = {{200, "The file", std::nullopt, std::move(mediaTypes)}},
                 .problems = {"not-found"}});

  // Files at the site's root besides the page (the service worker must be served from the root
  // to control every page): at their own fixed path, revalidated on every use like the page.
  for (const auto& file : files) {
    if (file.path.starts_with(options.assetPrefix) || file.path == options.index ||
        file.path.find('/') != std::string_view::npos) {
      continue;
    }
    const StaticFile* rootFile = &file;
    router
        .add(
            http::Method::Get, "/" + std::string(file.path), options.module, Access::anyone(),
            [rootFile](const http::Request& request, RequestContext&) {
              return serveStaticFile(*rootFile, request, false, {});
            },
            Execution::IoThread)
        .describe({.summary = "A file of the web UI at the site's root (" + std::string(file.path) + ")",
                   .responses = {{200,
                                  "The file",
                                  std::nullopt,
                                  {std::string(file.contentType.substr(0, file.contentType.find(';')))}}}});
  }
}

}  // namespace boxoffice
