package playbook

// Limits that keep hostile input cheap: nesting (the parser is quadratic
// in flow depth), file size, and alias expansion ("billion laughs": each
// alias shares its anchor's node, but checks walk the expanded tree).
const (
	maxDepth     = 64
	maxSize      = 256 << 10
	maxAliasSize = 10_000
)

// size is the number of nodes in n with aliases expanded.
func (c *converter) size(n *node) int {
	if v, ok := c.sizes[n]; ok {
		return v
	}
	total := 1
	for _, it := range n.items {
		total += c.size(it)
		if total > maxAliasSize {
			break
		}
	}
	c.sizes[n] = total
	return total
}

// tooBig rejects files the parser would take too long over: over maxSize
// bytes, or flow collections nested deeper than maxDepth. Brackets in
// quoted text on the same line are skipped; an unbalanced bracket in plain
// text still counts, but no real playbook comes near the limit.
func tooBig(s *source, errs *errorSink) bool {
	if len(s.data) > maxSize {
		errs.add(Pos{1, 1}, CheckSyntax, "file is larger than %d bytes", maxSize)
		return true
	}
	depth := 0
	var quote byte
	for i, c := range s.data {
		switch {
		case c == '\n':
			quote = 0
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > maxDepth {
				errs.add(s.pos(i), CheckSyntax, "nesting deeper than %d levels", maxDepth)
				return true
			}
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		}
	}
	return false
}

// tabErrors reports every line indented with a tab. goccy stops at the
// first one with a terse message; analysts pasting from editors hit this
// often enough to deserve all of them at once, with the fix.
func tabErrors(s *source, errs *errorSink) bool {
	found := false
	for i, line := range s.lines {
		for j := 0; j < len(line) && (line[j] == ' ' || line[j] == '\t'); j++ {
			if line[j] == '\t' {
				errs.add(Pos{i + 1, j + 1}, CheckSyntax, "tab character in indentation; YAML indents with spaces only")
				found = true
				break
			}
		}
	}
	return found
}
