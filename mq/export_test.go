package mq

// ChunkSize exposes how many of n messages one worker of s would take at
// once (dispatch.go), for tests.
func ChunkSize(s *Subscriber, n int) int { return s.chunkSize(n) }
