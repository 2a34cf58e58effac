//go:build !unix

package benchtest

import "time"

// cpuTime is not measured here: CPU per message reports 0.
func cpuTime() time.Duration { return 0 }
