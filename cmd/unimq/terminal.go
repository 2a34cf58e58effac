package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device (a terminal), judged
// with the standard library alone: a redrawn progress line there, log lines
// anywhere else (files, pipes, supervisors' logs).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
