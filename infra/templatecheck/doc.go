// Package templatecheck holds no code, only tests: they validate
// template.yaml, the one definition of leverlink's stack (or the file named
// by LEVERLINK_TEMPLATE: `make lint-template TEMPLATE=other.yaml`).
//
// The tests check that the template parses (goformation), that every Ref,
// Fn::GetAtt, Fn::Sub variable, Condition and Fn::If refers to something the
// template declares (goformation alone accepts dangling references), that
// every function is buildable the way `sam build` builds it (functions/<dir>,
// a Makefile target, provided.al2023 on arm64), that each function gets
// exactly the environment shared/config reads, and that the queues and
// tables are configured for the exporter's guarantees (redrive, visibility,
// on-demand billing, point-in-time recovery, TTL).
//
// They also run the SAM transform `sam deploy` runs (infra/samcheck, python3
// with aws-sam-translator; skipped with -short) and check that each
// function's role allows exactly the DynamoDB, SQS and SSM calls its code
// makes, read from the adapters' source (policy_test.go, adapters_test.go);
// that every parameter is constrained so a bad value fails the deploy, and
// that every value the template accepts is one shared/config accepts
// (params_test.go); and that `make secrets` writes exactly the SSM
// parameters the stack reads, in the region it is told (secrets_test.go).
package templatecheck
