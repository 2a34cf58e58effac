package mq

import "fmt"

// SubscriptionInfo describes one open Subscriber or Consumer of a Client
// (Client.Subscriptions).
type SubscriptionInfo struct {
	Topic     string
	Group     string // "" for a Broadcast subscriber
	Broadcast bool
	Pull      bool // a Consumer (NewConsumer), not a Subscriber
}

// described is a Subscriber or a Consumer.
type described interface {
	describe() SubscriptionInfo
}

func (s *Subscriber) describe() SubscriptionInfo { return s.info.SubscriptionInfo }
func (k *Consumer) describe() SubscriptionInfo   { return k.info.SubscriptionInfo }

// Subscriptions returns the client's open Subscribers and Consumers, in no
// particular order (one entry each, so a topic and group subscribed twice
// appear twice). It does not block on the network and is safe to call at
// any time; after Close it returns nil. Instrumentation uses it to find
// what to ask Backlog about (otelmq's backlog gauge).
func (c *Client) Subscriptions() []SubscriptionInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil
	}
	out := make([]SubscriptionInfo, 0, len(c.subs))
	for x := range c.subs {
		if d, ok := x.(described); ok {
			out = append(out, d.describe())
		}
	}
	return out
}

// OnOpen calls f with the client once Open has connected it, just before
// Open returns it (Open). It is for instrumentation that watches a client
// from outside, such as otelmq's backlog gauge, which asks the client's
// Subscriptions for their Backlog when metrics are collected. f runs on
// Open's goroutine: it must not block, and must not close the client.
func OnOpen(f func(*Client)) Option {
	return Option{"OnOpen", forOpen, func(s *settings) error {
		if f == nil {
			return fmt.Errorf("nil function")
		}
		s.opened = append(s.opened, f)
		return nil
	}}
}
