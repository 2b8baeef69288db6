# The Cordon image: both binaries, cordon-worker (the default command) and
# cordon (the CLI and `cordon serve` webhook). docker-compose.yml builds it.
#
#   docker build --build-arg VERSION=$(git describe --always) -t cordon .

FROM golang:1.26.8 AS build
WORKDIR /src
# Modules first, so editing code does not re-download them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# SQLite in the embedded dev server is pure Go, so CGO stays off and the
# binaries run on any base image.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/cordonsec/cordon/internal/version.Version=${VERSION}" \
      -o /out/ ./starter ./worker \
 && mv /out/starter /out/cordon && mv /out/worker /out/cordon-worker

# Alpine rather than distroless: its busybox wget runs the healthchecks.
FROM alpine:3.22
RUN adduser -D -u 10001 cordon
COPY --from=build /out/cordon /out/cordon-worker /usr/local/bin/
USER cordon
WORKDIR /home/cordon
# The shipped playbook library: `cordon serve` and the worker's System Log
# intake load ./playbooks by default. Mount a volume here to use your own.
COPY playbooks ./playbooks
# 9464: worker /healthz; 8080: `cordon serve` webhook.
EXPOSE 9464 8080
CMD ["cordon-worker", "--http-addr", "0.0.0.0:9464", "--log-format", "json"]
