// Package events holds the outbound events scenarios: a whole leverlink on
// DynamoDB Local, fauxqs and the fake Lever, its tables' change streams
// read like Lambda's DynamoDB Streams triggers, and a vendor endpoint over
// real HTTP that fails the first deliveries.
package events
