package mq

// ChunkSize exposes how many of n messages one worker of s would take at
// once (internal/consume), for tests.
func ChunkSize(s *Subscriber, n int) int { return s.eng.ChunkSize(n) }

// PatternSteps matches tag against the first pattern of f and returns the
// outcome and how many automaton states were visited (filter.go).
func PatternSteps(f *Filter, tag string) (bool, int) { return f.patterns[0].match(tag) }
