package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// flagSet is a command's flags with what help needs beyond the standard
// library's: groups in a fixed order, and hidden aliases kept for old
// command lines.
type flagSet struct {
	*flag.FlagSet
	groups []flagGroup
	hidden map[string]bool
}

// flagGroup is a heading in help and the flags listed under it.
type flagGroup struct {
	title string
	names []string
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and help are printed by run, once
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, hidden: map[string]bool{}}
}

// group puts the named flags under a heading in help; flags in no group
// are listed under "Flags".
func (f *flagSet) group(title string, names ...string) {
	f.groups = append(f.groups, flagGroup{title, names})
}

// alias registers old as a hidden second name of the flag target.
func (f *flagSet) alias(old, target string) {
	t := f.Lookup(target)
	f.Var(t.Value, old, "alias of --"+target)
	f.hidden[old] = true
}

// printDefaults writes the flags, grouped, in the double-dash form.
func (f *flagSet) printDefaults(w io.Writer) {
	listed := map[string]bool{}
	groups := append([]flagGroup(nil), f.groups...)
	var rest []string
	f.VisitAll(func(fl *flag.Flag) {
		inGroup := false
		for _, g := range f.groups {
			for _, n := range g.names {
				inGroup = inGroup || n == fl.Name
			}
		}
		if !inGroup && !f.hidden[fl.Name] {
			rest = append(rest, fl.Name)
		}
	})
	if len(rest) > 0 {
		groups = append(groups, flagGroup{"Flags", rest})
	}
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, n := range g.names {
			fl := f.Lookup(n)
			if fl == nil || listed[n] {
				continue
			}
			listed[n] = true
			value, usage := flag.UnquoteUsage(fl)
			name := "--" + fl.Name
			if value != "" {
				name += " " + value
			}
			fmt.Fprintf(tw, "  %s\t%s%s\n", name, usage, defaultText(fl))
		}
		tw.Flush()
	}
}

// defaultText is " (default X)" unless the default is the zero value.
func defaultText(fl *flag.Flag) string {
	switch fl.DefValue {
	case "", "0", "false", "0s", "[]":
		return ""
	}
	if fmt.Sprintf("%T", fl.Value) == "*flag.stringValue" {
		return fmt.Sprintf(" (default %q)", fl.DefValue)
	}
	return " (default " + fl.DefValue + ")"
}

// suggest is the command closest to a mistyped name, or "" when none is
// close (at most two edits away).
func suggest(name string, cmds []command) string {
	best, bestDist := "", 3
	for _, c := range cmds {
		if d := editDistance(strings.ToLower(name), c.name); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
