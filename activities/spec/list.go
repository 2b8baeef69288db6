package spec

import (
	"fmt"
	"strings"
)

// ParseList reads a list-typed parameter value: a JSON list of strings (or
// numbers), or one string separated by commas or newlines, as the
// integration spec's inputs allow. Items are trimmed, empty items dropped
// and duplicates removed, keeping first-seen order. It is pure so that both
// the activities and the workflow (for plans and guardrails) use it.
func ParseList(v any) ([]string, error) {
	var raw []string
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
	case []string:
		raw = t
	case []any:
		raw = make([]string, 0, len(t))
		for i, e := range t {
			switch x := e.(type) {
			case string:
				raw = append(raw, x)
			case float64, int, int64, int32:
				raw = append(raw, fmt.Sprint(x))
			default:
				return nil, fmt.Errorf("item %d is %s, want a string", i, jsonType(e))
			}
		}
	default:
		return nil, fmt.Errorf("got %s, want a list or a comma separated string", jsonType(v))
	}
	out := make([]string, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for _, s := range raw {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// jsonType names a decoded JSON value's type for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, int, int64, int32:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
