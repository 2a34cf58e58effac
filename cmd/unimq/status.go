package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// status prints err as one line on stderr and returns the exit status.
func status(stderr io.Writer, name string, err error) int {
	var u *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "unimq %s: %s (see unimq %s --help)\n", name, oneLine(err), name)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "unimq %s: interrupted\n", name)
		return exitFail
	case strings.HasPrefix(err.Error(), "unimq "):
		// mq's own form, "unimq <backend> <op>: <code>: <detail>", names
		// the backend and the operation already
		fmt.Fprintln(stderr, oneLine(err))
		return exitFail
	default:
		fmt.Fprintf(stderr, "unimq %s: %s\n", name, oneLine(err))
		return exitFail
	}
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
