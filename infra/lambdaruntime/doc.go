// Package lambdaruntime starts the functions' built bootstraps as real
// processes under a minimal Lambda Runtime API, to check their cold start
// and measure it.
//
// [Server] is the Runtime API (next invocation, response, error, init
// error) over httptest; [SSM] is a fake SSM Parameter Store holding the
// secret parameters; [Env] is a function's configuration with fake values
// pointing at them. [BuildBootstrap] builds a function the way `make build`
// does (-tags lambda.norpc -trimpath, stripped) for any GOOS/GOARCH, and
// [MeasureInit] times a cold start: process start until its first
// GET /runtime/invocation/next, which the runtime only sends once main has
// finished init.
//
// The tests start each bootstrap with its configuration (init succeeds, one
// harmless invocation answers as expected), without it (the process exits
// non-zero naming each missing variable) and with a missing secret
// parameter (the message names the parameter). BenchmarkBootstrapInit
// reports each function's linux/arm64 bootstrap size and its init time.
// None of it needs the emulators: init makes no DynamoDB or SQS call.
package lambdaruntime
