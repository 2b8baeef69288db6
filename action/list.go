package action

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseList reads a list-typed parameter: a JSON list (of strings or
// numbers), or a string holding a JSON list or comma/newline separated
// values, as the integration spec's inputs allow. Items are trimmed, empty
// items dropped and duplicates removed, keeping first-seen order. It is the
// one parser of list inputs: the activities act on what it returns, and the
// workflow counts and guards targets with it, so both see the same list.
func ParseList(v any) ([]string, error) {
	var raw []string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") {
			var items []any
			if err := json.Unmarshal([]byte(s), &items); err != nil {
				return nil, fmt.Errorf("looks like a JSON list but does not parse: %v", err)
			}
			return ParseList(items)
		}
		raw = SplitList(s)
	case []string:
		raw = x
	case []any:
		for i, it := range x {
			s, err := ScalarString(it)
			if err != nil {
				return nil, fmt.Errorf("item %d: %v", i, err)
			}
			raw = append(raw, s)
		}
	default:
		s, err := ScalarString(v)
		if err != nil {
			return nil, fmt.Errorf("want a list or a comma separated string, got %T", v)
		}
		raw = []string{s}
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

// SplitList splits a comma or newline separated string into its trimmed,
// non-empty items: the string form of a list, for parameters (ParseList),
// the checker and playbook inputs alike.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ParseIntList reads an integer-list parameter: ParseList's forms, each
// item an integer.
func ParseIntList(v any) ([]int, error) {
	items, err := ParseList(v)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(items))
	for _, it := range items {
		n, err := strconv.Atoi(it)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", it)
		}
		out = append(out, n)
	}
	return out, nil
}

// ScalarString renders one list item or scalar parameter; numbers print without a fraction
// when they have none (JSON decodes 12345 as a float64).
func ScalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("want a string, got %T", v)
}

// ParseTime reads a time-typed parameter: "now", "2023-03-02 00:00" (UTC),
// RFC 3339 and its shorter forms, or a signed offset from now such as
// "-24h", "-30m" or "-7d". The playbook checker and the actions both use
// it, so what validates is exactly what runs.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "now") {
		return now.UTC(), nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		d, err := parseOffset(s)
		if err != nil {
			return time.Time{}, err
		}
		return now.UTC().Add(d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use \"2023-03-02 00:00\" (UTC), RFC 3339 or a relative form such as -24h", s)
}

// Days reads a whole number of days such as "7d" (or "-7d"), the one unit
// Go's durations lack; ok is false for anything else. Relative times and
// the playbook's durations (undo_after, timeouts) both read days here.
func Days(s string) (d time.Duration, ok bool) {
	body, ok := strings.CutSuffix(s, "d")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(body)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * 24 * time.Hour, true
}

func parseOffset(s string) (time.Duration, error) {
	if d, ok := Days(s); ok {
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a relative time such as -24h or -7d", s)
	}
	return d, nil
}
