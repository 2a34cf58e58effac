package memory

// pendingDone is one SendAsync completion, run on the connection's
// kit.Callbacks queue.
type pendingDone struct {
	fn  func(error)
	err error
}
