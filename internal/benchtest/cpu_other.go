//go:build !unix

package benchtest

import "time"

// CPUTime is not measured here: it reports 0.
func CPUTime() time.Duration { return 0 }
