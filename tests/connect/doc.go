// Package connect holds the integration tests of issue #4.
//
// They run the app wired as the functions wire it (shared/app/apptest) on
// fresh DynamoDB Local tables and fauxqs queues, against the fake Lever over
// HTTP: the connect flow and its OAuth states, the token vault (concurrent
// refresh, revocation), disconnect, API keys and company scoping, and the
// absence of plaintext tokens in stored items and logs. Without the
// emulators (DYNAMODB_ENDPOINT unset) they are skipped; run them with
// infra/emulators/with-emulators.sh go test -race ./tests/connect/...
package connect
