# Sluice: the engine and its plugins, built on Debian 12 like everywhere else in this repository,
# running the click tracker (its pages included).
FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake ninja-build g++ pkg-config \
      libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev librdkafka-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY engine engine
COPY plugins plugins
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/opt/sluice \
 && cmake --build /build \
 && cmake --install /build

# The dashboard's chart library, from npm, served locally by the http source.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 libjemalloc2 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/sluice /opt/sluice
COPY pipelines /app/pipelines
COPY web /app/web
COPY --from=web /web/node_modules /app/web/node_modules
WORKDIR /app
ENTRYPOINT ["/opt/sluice/bin/sluice"]
CMD ["run", "/app/pipelines/click-tracker.yaml"]
