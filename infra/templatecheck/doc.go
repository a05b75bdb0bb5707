// Package templatecheck holds no code, only tests: they validate
// template.yaml, the one definition of leverlink's stack, without Python or
// the SAM CLI.
//
// The tests check that the template parses (goformation), that every Ref,
// Fn::GetAtt, Fn::Sub variable, Condition and Fn::If refers to something the
// template declares (goformation alone accepts dangling references), that
// every function is buildable the way `sam build` builds it (functions/<dir>,
// a Makefile target, provided.al2023 on arm64), that each function gets
// exactly the environment shared/config reads, and that the queues and
// tables are configured for the exporter's guarantees (redrive, visibility,
// on-demand billing, point-in-time recovery, TTL).
package templatecheck
