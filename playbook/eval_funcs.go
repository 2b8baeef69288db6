package playbook

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/theory/jsonpath"
)

// Functions added to expr's builtins. Each is pure and deterministic: the
// workflow re-evaluates expressions on replay and must get the same result.
// now() is not here: it reads the run's clock from the environment.
func functionOptions() []expr.Option {
	return []expr.Option{
		expr.Function("jsonpath", fnJSONPath, new(func(any, string) []any)),
		expr.Function("cidr_contains", fnCIDRContains, new(func(any, string) bool)),
		expr.Function("unique", fnUnique, new(func(any) []any)),
		expr.Function("default", fnDefault, new(func(any, any) any)),
		expr.Function("to_json", fnBoundedJSON, new(func(any) string)),
		expr.Function("from_json", fnFromJSON, new(func(string) any)),
		expr.Function("group_by_count", fnGroupByCount, new(func(any, string) []any)),
		expr.Function("keys", fnKeys, new(func(any) []any)),
		expr.Function("values", fnValues, new(func(any) []any)),
		expr.Function("toPairs", fnToPairs, new(func(any) []any)),
	}
}

// paths caches parsed JSONPath queries; queries are almost always literals,
// so the cache stays as small as the playbooks' set of paths.
var paths sync.Map // string -> *jsonpath.Path

func parsePath(q string) (*jsonpath.Path, error) {
	if p, ok := paths.Load(q); ok {
		return p.(*jsonpath.Path), nil
	}
	p, err := jsonpath.Parse(q)
	if err != nil {
		return nil, fmt.Errorf("jsonpath: %q: %w", q, err)
	}
	paths.Store(q, p)
	return p, nil
}

// fnJSONPath returns the list of values the RFC 9535 query selects. Object
// members are visited in Go's random map order, so results of wildcard,
// descendant and filter queries are put in document order (arrays by index,
// objects by key) to keep evaluation deterministic.
func fnJSONPath(args ...any) (any, error) {
	q := args[1].(string)
	p, err := parsePath(q)
	if err != nil {
		return nil, err
	}
	located := p.SelectLocated(normalize(args[0]))
	if strings.ContainsAny(q, "*?") || strings.Contains(q, "..") {
		sort.SliceStable(located, func(i, j int) bool { return located[i].Path.Compare(located[j].Path) < 0 })
	}
	out := make([]any, len(located))
	for i, n := range located {
		out[i] = n.Node
	}
	return out, nil
}

// fnCIDRContains reports whether ip is in the CIDR, or in any of a list of
// CIDRs (an allowlist). A bare address counts as a /32 or /128.
func fnCIDRContains(args ...any) (any, error) {
	ip, err := netip.ParseAddr(strings.TrimSpace(args[1].(string)))
	if err != nil {
		return nil, fmt.Errorf("cidr_contains: %q is not an IP address", args[1])
	}
	var cidrs []any
	switch c := normalize(args[0]).(type) {
	case string:
		cidrs = []any{c}
	case []any:
		cidrs = c
	default:
		return nil, fmt.Errorf("cidr_contains: want a CIDR or a list of CIDRs, got %s", typeName(c))
	}
	for _, c := range cidrs {
		s, _ := c.(string)
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			if a, err := netip.ParseAddr(s); err == nil {
				s = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("cidr_contains: %q is not a CIDR", c)
		}
		if pfx.Contains(ip.Unmap()) || pfx.Contains(ip) {
			return true, nil
		}
	}
	return false, nil
}

// fnUnique drops repeated values, keeping the first of each in order.
func fnUnique(args ...any) (any, error) {
	list, ok := normalize(args[0]).([]any)
	if !ok {
		if args[0] == nil {
			return []any{}, nil
		}
		return nil, fmt.Errorf("unique: want a list, got %s", typeName(args[0]))
	}
	seen := map[string]bool{}
	out := make([]any, 0, len(list))
	for _, v := range list {
		k := canonical(v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// fnDefault returns fallback when v is nil or the empty string.
func fnDefault(args ...any) (any, error) {
	if args[0] == nil || args[0] == "" {
		return args[1], nil
	}
	return args[0], nil
}

func fnFromJSON(args ...any) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(args[0].(string)), &v); err != nil {
		return nil, fmt.Errorf("from_json: %w", err)
	}
	return v, nil
}

// fnGroupByCount counts list items by the value at a dotted field path
// ("client.ipAddress"; "" for the item itself) and returns
// [{key, count}], most frequent first, ties by key: "failed logins by
// source IP" in one call.
func fnGroupByCount(args ...any) (any, error) {
	list, ok := normalize(args[0]).([]any)
	if !ok && args[0] != nil {
		return nil, fmt.Errorf("group_by_count: want a list, got %s", typeName(args[0]))
	}
	field := strings.Trim(args[1].(string), ".")
	counts := map[string]int{}
	keyOf := map[string]any{}
	for _, it := range list {
		k := dig(it, field)
		c := canonical(k)
		counts[c]++
		keyOf[c] = k
	}
	ids := make([]string, 0, len(counts))
	for c := range counts {
		ids = append(ids, c)
	}
	sort.Slice(ids, func(i, j int) bool {
		if counts[ids[i]] != counts[ids[j]] {
			return counts[ids[i]] > counts[ids[j]]
		}
		return ids[i] < ids[j]
	})
	out := make([]any, len(ids))
	for i, c := range ids {
		out[i] = map[string]any{"key": keyOf[c], "count": counts[c]}
	}
	return out, nil
}

// dig follows a dotted path through maps; a missing step gives nil.
func dig(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

func sortedKeys(v any, fn string) ([]string, map[string]any, error) {
	m, ok := normalize(v).(map[string]any)
	if !ok {
		if v == nil {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("%s: want a mapping, got %s", fn, typeName(v))
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks, m, nil
}

// fnKeys, fnValues and fnToPairs replace expr's builtins, which follow Go's
// random map order, with sorted ones.
func fnKeys(args ...any) (any, error) {
	ks, _, err := sortedKeys(args[0], "keys")
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out, err
}

func fnValues(args ...any) (any, error) {
	ks, m, err := sortedKeys(args[0], "values")
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = m[k]
	}
	return out, err
}

func fnToPairs(args ...any) (any, error) {
	ks, m, err := sortedKeys(args[0], "toPairs")
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = []any{k, m[k]}
	}
	return out, err
}

// canonical is a value's identity for unique and group_by_count.
func canonical(v any) string {
	b, err := json.Marshal(normalize(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
