package playbook

import (
	"fmt"
	"strings"
)

// Limits that keep hostile input cheap: nesting (the parser is quadratic
// in flow depth and recursive in block depth), file size, and alias
// expansion ("billion laughs": each alias shares its anchor's node, but
// checks walk the expanded tree). prescan below adds line length, node and
// mapping-key counts.
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

// prescan bounds what the YAML parser will be handed, in one cheap pass
// over the lines, before it sees the file: the file size, line length,
// nesting depth (block indentation, "- - -" on one line and flow brackets
// together), the number of nodes and the number of keys in one block
// mapping. The parser's memory grows with nodes and with the square of a
// block mapping's keys, and its recursion with depth (a 40 KB "- - - x"
// took gigabytes); within these limits no file uses more than about 50 MB
// to load (docs/benchmarks.md). The counts are conservative estimates: they
// may overcount (a colon in a plain scalar), never undercount.
func prescan(s *source, errs *errorSink) bool {
	if len(s.data) > maxSize {
		errs.add(Pos{1, 1}, CheckSyntax, "file is larger than %d bytes", maxSize)
		return true
	}
	sc := scanner{}
	for i, line := range s.lines {
		if msg, col := sc.line(line); msg != "" {
			errs.add(Pos{i + 1, col}, CheckSyntax, "%s", msg)
			return true
		}
	}
	return false
}

// Limits of the pre-scan, for YAML playbooks and JSON alerts alike.
const (
	maxLine  = 16 << 10 // bytes in one line of YAML
	maxNodes = 20_000   // scalars, keys and collections
	maxKeys  = 300      // keys of one block mapping
)

// scanner is the pre-scan's state across lines.
type scanner struct {
	frames []frame // block collections open at this point, by column
	flow   int     // open flow brackets
	quote  byte    // an open quoted scalar continues on the next line
	block  int     // indentation of the line that opened a block scalar, -1 none
	nodes  int
	inited bool
}

type frame struct{ col, keys int }

// line scans one line; a non-empty message is the limit it passes, at col.
func (sc *scanner) line(line string) (string, int) {
	if !sc.inited {
		sc.block, sc.inited = -1, true
	}
	msg, col := sc.scan(line)
	if msg == "" && len(line) > maxLine {
		return fmt.Sprintf("line longer than %d bytes", maxLine), maxLine + 1
	}
	return msg, col
}

func (sc *scanner) scan(line string) (string, int) {
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	content := line[indent:]
	if sc.block >= 0 {
		if strings.TrimSpace(content) == "" || indent > sc.block {
			return "", 0
		}
		sc.block = -1
	}
	if sc.quote == 0 && sc.flow == 0 {
		if content == "" || content[0] == '#' {
			return "", 0
		}
		sc.enter(indent)
		// "- " and "? " open one more collection each, even on one line.
		col := indent
		for len(content) > 0 && (content[0] == '-' || content[0] == '?') && (len(content) == 1 || content[1] == ' ') {
			sc.nodes++
			n, at := 1, col
			for n < len(content) && content[n] == ' ' {
				n++
			}
			content, col = content[n:], col+n
			sc.enter(col)
			if len(sc.frames) > maxDepth {
				return fmt.Sprintf("nesting deeper than %d levels", maxDepth), at + 1
			}
		}
		if len(sc.frames) > maxDepth {
			return fmt.Sprintf("nesting deeper than %d levels", maxDepth), indent + 1
		}
	}
	return sc.tokens(content, len(line)-len(content))
}

// enter makes the block collection at col the innermost one.
func (sc *scanner) enter(col int) {
	for len(sc.frames) > 0 && sc.frames[len(sc.frames)-1].col > col {
		sc.frames = sc.frames[:len(sc.frames)-1]
	}
	if len(sc.frames) == 0 || sc.frames[len(sc.frames)-1].col < col {
		sc.frames = append(sc.frames, frame{col: col})
	}
}

// tokens counts the nodes, keys and flow brackets of a line's content,
// which starts at byte offset off of the line. A quote opens a quoted
// scalar only where a scalar may begin, never inside a plain one (it's),
// so no text can hide the structure after it. Brackets count as flow
// even inside plain scalars (an overcount, never an undercount).
func (sc *scanner) tokens(content string, off int) (string, int) {
	sc.nodes++
	keyed := false
	plain := false // inside a plain scalar
	for i := 0; i < len(content); i++ {
		c := content[i]
		switch {
		case sc.quote == '"' && c == '\\':
			i++
		case sc.quote != 0:
			if c == sc.quote {
				if c == '\'' && i+1 < len(content) && content[i+1] == '\'' {
					i++ // '' is an escaped quote
					continue
				}
				sc.quote = 0
			}
		case c == ' ':
		case c == '#' && (i == 0 || content[i-1] == ' '):
			return sc.check(off + i)
		case (c == '"' || c == '\'') && !plain:
			sc.quote = c
		case c == '[' || c == '{':
			sc.flow++
			sc.nodes++
			if len(sc.frames)+sc.flow > maxDepth {
				return fmt.Sprintf("nesting deeper than %d levels", maxDepth), off + i + 1
			}
		case c == ']' || c == '}':
			if sc.flow > 0 {
				sc.flow--
				plain = false
			}
		case c == ',' && sc.flow > 0:
			sc.nodes++
			plain = false
		case c == ':' && (i+1 == len(content) || content[i+1] == ' '):
			plain = false
			sc.nodes++
			if sc.flow == 0 && !keyed && len(sc.frames) > 0 {
				keyed = true
				f := &sc.frames[len(sc.frames)-1]
				if f.keys++; f.keys > maxKeys {
					return fmt.Sprintf("more than %d keys in one mapping", maxKeys), off + 1
				}
				if rest := strings.TrimSpace(content[i+1:]); blockIndicator(rest) {
					sc.block = sc.frames[len(sc.frames)-1].col
					return sc.check(off + i)
				}
			}
		default:
			plain = true
		}
	}
	if sc.flow == 0 && sc.quote == 0 && !keyed && blockIndicator(strings.TrimSpace(content)) && len(sc.frames) > 0 {
		sc.block = sc.frames[len(sc.frames)-1].col
	}
	return sc.check(off + len(content))
}

func (sc *scanner) check(col int) (string, int) {
	if sc.nodes > maxNodes {
		return fmt.Sprintf("more than %d values", maxNodes), col + 1
	}
	return "", 0
}

// blockIndicator reports whether s (the rest of a line) opens a block
// scalar: | or > with optional chomping and indentation indicators.
func blockIndicator(s string) bool {
	if h, _, ok := strings.Cut(s, " #"); ok {
		s = strings.TrimSpace(h)
	}
	if s == "" || (s[0] != '|' && s[0] != '>') {
		return false
	}
	for _, c := range s[1:] {
		if c != '-' && c != '+' && (c < '1' || c > '9') {
			return false
		}
	}
	return true
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

// ScanJSON applies the pre-scan's limits to JSON data (alerts given to
// cordon run --alert and to cordon serve): nesting depth and the number of
// values. Line length does not apply: JSON alerts often come on one line,
// and the JSON decoder is linear in it.
func ScanJSON(b []byte) error {
	depth, nodes := 0, 1
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > maxDepth {
				return fmt.Errorf("nesting deeper than %d levels (at byte %d)", maxDepth, i)
			}
			nodes++
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		case c == ',' || c == ':':
			if nodes++; nodes > maxNodes {
				return fmt.Errorf("more than %d values (at byte %d)", maxNodes, i)
			}
		}
	}
	return nil
}
