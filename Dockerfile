# Sluice: the engine and its plugins, built on Debian 12 like everywhere else in this repository,
# running the click tracker (its pages included).

# The dashboard's chart library, from npm (web/package-lock.json), served locally by the http
# source. `cmake --install` below installs it with the pages.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake ninja-build g++ pkg-config \
      libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev librdkafka-dev libjemalloc-dev libsimdjson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY engine engine
COPY plugins plugins
# web/node_modules is in .dockerignore: the web stage's copy is the one installed.
COPY web web
COPY --from=web /web/node_modules web/node_modules
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/opt/sluice \
 && cmake --build /build \
 && cmake --install /build \
 && test -f /opt/sluice/share/sluice/web/node_modules/uplot/dist/uPlot.iife.min.js

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 libjemalloc2 libyaml-cpp0.7 libsimdjson14 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/sluice /opt/sluice
COPY pipelines /app/pipelines
# The pages with uPlot, as `cmake --install` placed them. The pipelines serve ${WEB_DIR:-web} and
# run in /app (docker-compose.yml sets WEB_DIR=/app/web): both name this link.
RUN ln -s /opt/sluice/share/sluice/web /app/web
WORKDIR /app
ENTRYPOINT ["/opt/sluice/bin/sluice"]
CMD ["run", "/app/pipelines/click-tracker.yaml"]
