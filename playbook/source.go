package playbook

import (
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// source is a playbook's bytes with a line index, for positions and snippets.
type source struct {
	file  string
	data  []byte
	lines []string
	start []int // byte offset of each line
}

func newSource(file string, data []byte) *source {
	s := &source{file: file, data: data}
	// Lines end at \n, \r\n or a lone \r, as they do for the YAML parser.
	start := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '\n' && data[i] != '\r' {
			continue
		}
		s.start, s.lines = append(s.start, start), append(s.lines, string(data[start:i]))
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		start = i + 1
	}
	if start < len(data) {
		s.start, s.lines = append(s.start, start), append(s.lines, string(data[start:]))
	}
	return s
}

// line returns the 1-based line's text, or "" past the end.
func (s *source) line(n int) string {
	if n < 1 || n > len(s.lines) {
		return ""
	}
	return s.lines[n-1]
}

// offset converts a position (column in runes) to a byte offset.
func (s *source) offset(p Pos) int {
	if p.Line < 1 || p.Line > len(s.start) {
		return len(s.data)
	}
	off, line := s.start[p.Line-1], s.lines[p.Line-1]
	for i := 1; i < p.Col && len(line) > 0; i++ {
		_, size := utf8.DecodeRuneInString(line)
		line, off = line[size:], off+size
	}
	return off
}

// pos converts a byte offset to a position.
func (s *source) pos(off int) Pos {
	i := sort.Search(len(s.start), func(i int) bool { return s.start[i] > off }) - 1
	if i < 0 {
		return Pos{1, 1}
	}
	n := min(off-s.start[i], len(s.lines[i]))
	return Pos{i + 1, utf8.RuneCountInString(s.lines[i][:n]) + 1}
}

// posIn returns the source position of the rune at index runeOff of a
// scalar's decoded text. Decoding drops quotes, escapes, indentation and
// folded line breaks, so the decoded text is walked against the source:
// equal runes advance both, source-only syntax advances the source alone.
// This puts expression errors on the offending token, even in block scalars.
func (s *source) posIn(n *node, runeOff int) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	if n.kind != scalarNode || n.body >= len(s.data) {
		return n.pos
	}
	si, data := n.body, s.data
	k := 0
	for _, r := range n.str {
		if k == runeOff {
			break
		}
		k++
		for si < len(data) {
			sr, size := utf8.DecodeRune(data[si:])
			if sr == r {
				si += size
				break
			}
			if n.style == styleDouble && sr == '\\' {
				si += escapeLen(data[si:])
				break
			}
			if sr == ' ' || sr == '\t' || sr == '\n' || sr == '\r' || (n.style == styleSingle && sr == '\'') {
				si += size
				continue
			}
			break // a rune produced by folding: it has no source of its own
		}
	}
	return s.pos(si)
}

// escapeLen is the source length of a double-quoted escape like \n or \u00e9.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return len(b)
	}
	n := 2
	switch b[1] {
	case 'x':
		n = 4
	case 'u':
		n = 6
	case 'U':
		n = 10
	}
	return min(n, len(b))
}

// errorSink collects a load's errors.
type errorSink struct {
	src  *source
	list ErrorList
}

func (e *errorSink) add(p Pos, kind, format string, args ...any) {
	e.list = append(e.list, &Error{
		File: e.src.file, Line: p.Line, Col: p.Col, Kind: kind,
		Message: fmt.Sprintf(format, args...), Snippet: e.src.line(p.Line),
	})
}

// syntax records a goccy parse error at its token.
func (e *errorSink) syntax(err error) {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &te) {
		e.add(posOf(te.GetToken()), CheckSyntax, "%s", te.GetMessage())
		return
	}
	e.add(Pos{1, 1}, CheckSyntax, "%s", err.Error())
}
