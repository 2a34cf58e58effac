//go:build race

package brokertest

// RaceEnabled reports whether this binary was built with -race.
const RaceEnabled = true
