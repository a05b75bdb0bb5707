# leverlink - two commands do all set-up on a fresh machine:
#   make run    the whole service locally (emulators, fake Lever, all functions)
#   make test   every test, against DynamoDB Local, fauxqs and the fake Lever
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
GOLANGCI    := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
BIN         := $(CURDIR)/bin
FUNCTIONS   := api webhook oauth exporter refresher
EMULATORS   := infra/emulators/with-emulators.sh
GOFLAGS_BUILD := -trimpath -tags lambda.norpc -ldflags="-s -w -buildid="

# Local by default (pinned, no download); `GOTOOLCHAIN=auto sam build` lets an
# older Go fetch the go.mod toolchain on a build host (README "Deploying").
GOTOOLCHAIN ?= local
export GOTOOLCHAIN
export CGO_ENABLED ?= 1

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-24s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install what is missing: Go modules, the pinned emulators, Chromium (browser tests)
	@$(GO) mod download
	@infra/emulators/install.sh
	@infra/browser/install.sh

.PHONY: test
test: deps ## start the emulators on free ports, run go test -race ./..., stop them
	@$(EMULATORS) $(GO) test -race -count=1 ./...

.PHONY: test-short
test-short: ## unit tests only (no emulators; store suites skip)
	$(GO) test -race -short ./...

# Fuzz targets (issue #13): each explores for FUZZTIME from its seed corpus
# in testdata/fuzz (which make test runs as regular tests); a crasher is
# written there, to be kept as a regression seed.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./shared/event:FuzzParse ./shared/event:FuzzValidate ./shared/httpapi:FuzzWebhook

.PHONY: test-fuzz
test-fuzz: ## run each fuzz target for FUZZTIME (default 30s): event decoder, snapshot validator, webhook
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn ($$pkg) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

.PHONY: run
run: deps ## start the whole stack locally; Ctrl-C stops everything
	@mkdir -p $(BIN)
	@$(GO) build -o $(BIN)/leverlink-local ./infra/local
	@LEVERLINK_STATE_FILE=$(BIN)/local-stack.json $(EMULATORS) $(BIN)/leverlink-local

# Regions leverlink supports (arm64 Lambda, HTTP API, EventBridge Scheduler,
# SQS FIFO); cfn-lint checks the template against each one's resource specs.
LINT_REGIONS ?= us-east-1 us-east-2 us-west-2 ca-central-1 eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-north-1 ap-southeast-1 ap-southeast-2 ap-northeast-1 ap-south-1
TEMPLATE     ?= template.yaml

# `make lint` runs every check in LINT; add a check as a lint-<name> target
# and append it here.
LINT := lint-go lint-template

.PHONY: lint $(LINT)
lint: $(LINT) ## every static check: the lint-* targets listed in LINT

lint-template: ## cfn-lint (info checks, every supported region), the SAM transform, the template tests
	cfn-lint -c I --regions $(LINT_REGIONS) -- $(TEMPLATE)
	@mkdir -p .aws-sam-local
	python3 infra/samcheck/transform.py $(TEMPLATE) -o .aws-sam-local/transformed.json
	LEVERLINK_TEMPLATE=$(abspath $(TEMPLATE)) $(GO) test -count=1 ./infra/templatecheck/...

lint-go: ## gofmt, go vet, golangci-lint (pinned, .golangci.yml), go mod tidy -diff
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(GOLANGCI) run ./...
	$(GO) mod tidy -diff

.PHONY: build
build: $(addprefix build-fn-,$(FUNCTIONS)) ## build every bootstrap for linux/arm64 into .aws-sam-local/<fn>/
	@ls -l .aws-sam-local/*/bootstrap

build-fn-%: ## build one bootstrap, e.g. build-fn-api (linux/arm64)
	@mkdir -p .aws-sam-local/$*
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o .aws-sam-local/$*/bootstrap ./functions/$*

# `sam build` calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile).
build-ApiFunction: ## for `sam build`: the api bootstrap into ARTIFACTS_DIR
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/api
build-WebhookFunction: ## for `sam build`: the webhook bootstrap into ARTIFACTS_DIR
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/webhook
build-OAuthFunction: ## for `sam build`: the oauth bootstrap into ARTIFACTS_DIR
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/oauth
build-ExporterFunction: ## for `sam build`: the exporter bootstrap into ARTIFACTS_DIR
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/exporter
build-RefresherFunction: ## for `sam build`: the refresher bootstrap into ARTIFACTS_DIR
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/refresher

.PHONY: bench
bench: deps ## measure throughput, latency, refresh, bootstraps and cost; writes docs/benchmarks.md (BENCH_FLAGS to scale)
	@$(EMULATORS) $(GO) run ./infra/bench $(BENCH_FLAGS)

.PHONY: fake-lever
fake-lever: ## run the fake Lever server alone (LEVERFAKE_ADDR, default 127.0.0.1:8765)
	$(GO) run ./infra/leverfake

.PHONY: secrets
secrets: ## create the SSM SecureString parameters once per stage and region: make secrets STAGE=prod REGION=eu-west-1
	@infra/secrets.sh "$(STAGE)" "$(REGION)"

.PHONY: clean
clean: ## remove bin/ and the built bootstraps
	rm -rf $(BIN) .aws-sam-local .aws-sam

.PHONY: demo
demo: ## tell the whole story against a running `make run` (another terminal)
	@LEVERLINK_STATE_FILE=$(BIN)/local-stack.json $(GO) run ./infra/demo

.PHONY: bench-micro
bench-micro: deps ## the Go micro-benchmarks (go test -bench) against the emulators
	@$(EMULATORS) $(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: chaos
chaos: deps ## 5,000 candidates through faults and exporter kills; fails on any lost or duplicate (CHAOS_FLAGS to scale)
	@$(EMULATORS) $(GO) run ./infra/chaos $(CHAOS_FLAGS)
