package kit

// FNV1a is the 32-bit FNV-1a hash of s (hash/fnv's New32a without its
// allocation): the hash drivers use to map a message key onto a partition,
// queue or channel, so a key lands on the same one on every run.
func FNV1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
