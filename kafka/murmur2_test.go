package kafka

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Vectors from the Java client's UtilsTest.testMurmur2.
func TestMurmur2MatchesJavaClient(t *testing.T) {
	cases := map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	}
	for in, want := range cases {
		require.Equal(t, want, murmur2([]byte(in)), in)
	}
}

// Partitions the Java client (kafka-clients 3.9.1, Utils.toPositive(murmur2)
// % 3) chose for these keys, checked with java against the jar.
func TestKeyPartitionMatchesJavaClient(t *testing.T) {
	cases := map[string]int32{"foobar": 0, "host-a": 1, "host-b": 0, "host-c": 1, "k1": 2, "order-1001": 0}
	for k, want := range cases {
		require.Equal(t, want, keyPartition([]byte(k), 3), k)
	}
	require.Equal(t, int32(1684045097), murmur2([]byte("k1")))
}
