# syntax=docker/dockerfile:1
# boxoffice in a container: a Debian 12 build stage and a slim runtime stage.
#
#   docker build -t boxoffice .
#   docker run --rm -p 8080:8080 -v boxoffice-data:/data boxoffice            # empty system
#   docker run --rm -p 8080:8080 -v boxoffice-data:/data boxoffice serve --listen 0.0.0.0:8080 --data-dir /data --demo
#
# Secrets come from the environment or a file, never the image:
#   -e BOXOFFICE_AUTH_JWT_SECRET=...   or   -e BOXOFFICE_AUTH_JWT_SECRET_FILE=/run/secrets/jwt

############################ build ############################
FROM debian:12 AS build

# The same packages as scripts/install-deps.sh, minus the run/bench/browser-test tools (curl, wrk,
# nginx, chromium). nodejs and npm build the web UI that is compiled into the binary.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev \
      libsoci-dev libfmt-dev doctest-dev libsqlite3-dev libssl-dev libsodium-dev libpq-dev libjemalloc-dev \
      libcurl4-openssl-dev libicu-dev libqrencode-dev libpng-dev libqpid-proton-cpp12-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build --target boxoffice --parallel \
 && strip --strip-debug /build/boxoffice \
 && /build/boxoffice --version \
 && mkdir -p /src/config

############################ runtime ############################
FROM debian:12-slim AS runtime

# Only the shared libraries the binary links, tzdata (events validate time zones against
# /usr/share/zoneinfo, events.zoneinfoDir) and curl for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsqlite3-0 libsoci-core4.0 libsoci-sqlite3-4.0 libsoci-postgresql4.0 libpq5 libsodium23 libssl3 libfmt9 libjemalloc2 \
      libboost-json1.81.0 libboost-url1.81.0 libboost-program-options1.81.0 \
      libcurl4 libicu72 libqrencode4 libpng16-16 libqpid-proton-cpp12 \
      tzdata curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 boxoffice \
 && useradd --system --uid 10001 --gid boxoffice --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin boxoffice \
 && mkdir -p /data /app \
 && chown boxoffice:boxoffice /data

COPY --from=build /build/boxoffice /usr/local/bin/boxoffice
# config/boxoffice.json (if the source has one) documents every key with its default; the
# binary reads it from the working directory.
COPY --from=build /src/config /app/config
# Fail the image build, not the first start, if a shared library is missing.
RUN if ldd /usr/local/bin/boxoffice | grep 'not found'; then exit 1; fi \
 && boxoffice --version

WORKDIR /app
USER boxoffice:boxoffice
VOLUME ["/data"]
EXPOSE 8080

# /health answers 200 while the process is up (/ready also checks stores and the bus).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1

# SIGTERM (docker stop) drains in-flight requests and flushes the outbox before exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["boxoffice"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--data-dir", "/data"]
