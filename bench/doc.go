// Package bench compares unimq's backends with other Go messaging libraries
// in the same run. It is a separate module so that the library's own go.mod
// stays free of the libraries it is compared with.
//
//	cd bench && go test -run '^$' -bench . -benchmem -count 5 . | tee /tmp/bench.txt
package bench
