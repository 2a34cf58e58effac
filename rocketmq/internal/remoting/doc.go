// Package remoting speaks the few requests of RocketMQ's remoting protocol
// that rocketmq-client-go v2.1.2 has no call for: a topic's route from the
// name servers, topic creation, offset queries and commits, message queries
// and a heartbeat, each on a short-lived TCP connection bounded by the
// caller's ctx (and at most 5 s), with the ACL signature the client's own
// requests carry (Sign). Every function is safe for concurrent use.
package remoting
