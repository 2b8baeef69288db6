# Cordon developer entry points. `make run` and `make test` are the two
# commands a newcomer needs; .ci/run runs `make test` on a clean clone.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/cordonsec/cordon/internal/version.Version=$(VERSION)
# Two packages at a time: the test binaries that link the Temporal server are
# large, and CI machines have 2 cores. Six parallel tests per package, not
# GOMAXPROCS (2): most parallel tests wait (rate-limit windows, 429 backoffs,
# heartbeat timeouts, servers starting) rather than compute; activities/
# takes 9 s instead of 20 s. internal/e2e uses 6 when run alone too (share_test.go).
TESTFLAGS ?= -timeout 20m -p 2 -parallel 6

.PHONY: run test test-short generate build lint bench histories sdk-check up down clean

## run: the dev stack: embedded Temporal + Web UI (http://127.0.0.1:8233) + worker
## + simulated Okta org, then starts contain-compromised-user for a sample alert and follows it
## Built and exec'd rather than `go run`: go run exits 1 when Ctrl-C reaches
## it, even after the worker shut down cleanly, and make then reports
## "Error 1"; exec leaves the worker alone in the recipe, so Ctrl-C ends
## make quietly.
## RUNFLAGS adds worker flags (e.g. RUNFLAGS="--ui-port 0"); later flags win.
RUNFLAGS ?=
run:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/cordon-worker ./worker
	exec bin/cordon-worker --dev --demo contain-compromised-user --demo-alert testdata/alerts/contain-compromised-user.json $(RUNFLAGS)

## test: every package's tests, including end-to-end runs on the embedded server,
## `cordon test playbooks/` (TestLibrary in internal/pbtest) and the simulator's
## no-wedge tests under the race detector
test:
	$(GO) test $(TESTFLAGS) ./...
	$(GO) test -race -count=1 -run Wedge ./internal/oktasim

## test-short: the inner loop: every package but the end-to-end tier
## (internal/e2e skips itself under -short: no embedded server stack, no CLI build)
test-short:
	$(GO) test -short $(TESTFLAGS) ./...

## generate: rewrite every generated file from its source (each test's -update):
## docs/actions.md (the action registry), docs/playbook.schema.json and the
## playbook error fixtures (testdata/playbooks/err/*.out), docs/run-input.schema.json.
## The replay histories are separate, on purpose: make histories.
generate:
	$(GO) test -count=1 -run TestActionsDoc ./action/ -update
	$(GO) test -count=1 ./playbook/ -update
	$(GO) test -count=1 -run Schema ./internal/runs/ -update

## build: bin/cordon (the CLI) and bin/cordon-worker
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/cordon ./starter
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/cordon-worker ./worker

## lint: gofmt must report no files; go vet and staticcheck must pass
## (staticcheck is fetched through the Go module proxy at a pinned version)
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.7.0
lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: benchmarks only (no tests)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## sdk-check: the simulated org against Okta's official Node SDK and an
## independent OIDC relying party (needs npm; installs into .cordon/sdk-check)
sdk-check:
	GO=$(GO) ./.ci/sdk-check

## histories: re-record the workflow histories that the replay test
## (workflows/replay_test.go) checks on every make test; do this on purpose,
## after a change gated with workflow.GetVersion
histories:
	$(GO) test -count=1 -run 'TestRecordHistories|TestRecordClaimHistory' ./internal/e2e/ -update-histories

## up / down: the docker-compose reference stack (PostgreSQL, Temporal, UI, worker, webhook)
up:
	docker compose up -d --build
down:
	docker compose down

clean:
	rm -rf bin
