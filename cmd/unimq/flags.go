package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// usageError is a wrong command line: exit status 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errHelp is --help: the usage went to stdout, exit status 0.
var errHelp = errors.New("help")

// spec describes a subcommand's command line for its FlagSet and --help.
type spec struct {
	name     string   // "publish"
	args     string   // "[URL] TOPIC [MESSAGE...]"
	about    string   // what it does, a few lines
	examples []string // shell lines
}

// flags is a subcommand's FlagSet and its --help printer.
type flags struct {
	*flag.FlagSet
	help func()
}

// newFlags returns the subcommand's flags: errors are returned, not printed,
// and --help prints the usage with examples on stdout.
func newFlags(s spec, e *env) *flags {
	fs := flag.NewFlagSet(s.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse errors are one line, printed by status
	usage := func() {
		w := e.stdout
		fmt.Fprintf(w, "Usage: unimq %s %s [flags]\n\n%s\n", s.name, s.args, s.about)
		if len(s.examples) > 0 {
			fmt.Fprintf(w, "\nExamples:\n")
			for _, x := range s.examples {
				fmt.Fprintf(w, "  %s\n", x)
			}
		}
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprintf(w, "\nURL may be left out when MQ_URL is set.\n")
	}
	return &flags{fs, usage}
}

// parse parses flags and positional arguments in any order ("--" ends the
// flags) and returns the positional arguments.
func parse(fs *flags, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.help()
			return nil, errHelp
		}
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// urlArg takes the broker URL from the first positional argument when it
// looks like one (has "://"), else from MQ_URL. It returns the URL and the
// other positional arguments.
func urlArg(e *env, pos []string) (string, []string, error) {
	if len(pos) > 0 && strings.Contains(pos[0], "://") {
		return pos[0], pos[1:], nil
	}
	if u := strings.TrimSpace(e.getenv("MQ_URL")); u != "" {
		return u, pos, nil
	}
	return "", nil, usagef("no broker URL: give it as the first argument or set MQ_URL")
}

// headerFlag is a repeatable --header k=v.
type headerFlag map[string]string

func (h headerFlag) String() string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (h headerFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("header %q is not k=v", v)
	}
	h[k] = val
	return nil
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	*l = append(*l, v)
	return nil
}
