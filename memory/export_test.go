package memory

// SpaceWaiters reports how many publishes wait for room in topic (tests).
func SpaceWaiters(b *Broker, topic string) int {
	t := b.existing(topic)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.spaceWaiters
}
