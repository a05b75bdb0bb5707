// Package lambdaruntime starts the functions' built bootstraps as real
// processes under a minimal Lambda Runtime API, to check their cold start
// and measure it.
//
// [Server] is the Runtime API (next invocation, response, error, init
// error) over httptest; [SSM] is a fake SSM Parameter Store holding the
// secret parameters; [Env] is a function's configuration with fake values
// pointing at them. [BuildBootstrap] builds a function the way `make build`
// does (-tags lambda.norpc -trimpath, stripped) for any GOOS/GOARCH, and
// [BuildBootstraps] builds all six in one go build; [MeasureInit] times a
// cold start: process start until its first GET /runtime/invocation/next,
// which the runtime only sends once main has finished init.
//
// The tests build the six bootstraps once per run and start each with its
// configuration (init succeeds, one harmless invocation answers as
// expected) and without it (the process exits non-zero naming each missing
// variable); a secret parameter missing at init is checked in-process on
// the same init path (the error names the parameter), one read lazily on
// the bootstrap. BenchmarkBootstrapInit reports each function's
// linux/arm64 bootstrap size and its init time.
// None of it needs the emulators: init makes no DynamoDB or SQS call.
package lambdaruntime
