package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// Strings is a repeatable string flag: each occurrence appends a value.
//
//	var inputs cli.Strings
//	fs.Var(&inputs, "input", "set an input `KEY=VALUE` (repeatable)")
type Strings []string

func (s *Strings) String() string { return strings.Join(*s, ",") }

// Set appends v; it is called once per occurrence of the flag.
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }

// KeyValues splits each element at the first "=" into a map, for flags such
// as --input KEY=VALUE. A later duplicate key wins, as on most CLIs.
func (s Strings) KeyValues() (map[string]string, error) {
	out := make(map[string]string, len(s))
	for _, kv := range s {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, UsageErrorf("%q is not KEY=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

// parseInterspersed parses args with fs but, unlike fs.Parse, keeps going
// after a positional argument, so flags may come before or after the
// positionals. "--" ends flag parsing; everything after it is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		// fs.Parse consumed a "--" terminator if it saw one: the element
		// before rest is then "--", and everything remaining is positional.
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints nothing itself: the App owns all usage output.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// flagDefaults renders fs's flags with GNU-style double dashes, which is
// how DESIGN.md and the README spell them (the flag package accepts both).
func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(&b, " %s", name)
		}
		fmt.Fprintf(&b, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		if !isZeroDefault(f) {
			fmt.Fprintf(&b, " (default %q)", f.DefValue)
		}
		b.WriteByte('\n')
	})
	return b.String()
}

func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "[]", "0s":
		return true
	}
	return false
}
