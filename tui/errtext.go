package tui

import "strings"

// errorInputCells bounds an error text before it is tidied: far more than
// a line, so the cause at its end survives until the layout decides what
// to cut.
const errorInputCells = 4 * MaxErrorCells

// displayError makes an error text from below safe and readable as one
// sentence: sanitized, with the repeated prefixes of an error wrapped at
// several layers dropped, so "signaling: signal: bad-message (join):
// signal: bad message: x" reads "signaling: bad-message (join): x".
func displayError(raw string) string {
	segs := strings.Split(Sanitize(raw, errorInputCells), ": ")
	kept := make([]string, 0, len(segs))
	var norms []string
	for i, s := range segs {
		n := normSegment(s)
		if i < len(segs)-1 && (n == "" || repeats(n, norms)) {
			continue
		}
		kept = append(kept, s)
		norms = append(norms, n)
	}
	// The cause is always kept; a layer just before it that only says
	// the same ("closed: closed") goes instead.
	if k := len(kept); k >= 2 && norms[k-1] == norms[k-2] {
		kept = append(kept[:k-2], kept[k-1])
	}
	return strings.Join(kept, ": ")
}

// normSegment reduces one ": "-separated part of an error to compare it
// with the others: lower case, no parenthesised aside, "-" and "_" as
// spaces.
func normSegment(s string) string {
	s = strings.ToLower(s)
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// repeats reports whether a part says again what an earlier part said:
// the same words, or one word naming the same layer ("signal" after
// "signaling").
func repeats(n string, earlier []string) bool {
	for _, e := range earlier {
		if e == n {
			return true
		}
		if !strings.Contains(n, " ") && !strings.Contains(e, " ") &&
			(strings.HasPrefix(e, n) || strings.HasPrefix(n, e)) {
			return true
		}
	}
	return false
}

// causeFirst reorders a tidied error so its cause, the innermost part,
// comes first: "connection refused (dial tcp …: connect)". A line too
// narrow for the whole text then cuts the context, not the cause.
func causeFirst(e string) string {
	i := strings.LastIndex(e, ": ")
	if i < 0 {
		return e
	}
	return e[i+2:] + " (" + e[:i] + ")"
}
