package action

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Format is a syntax rule on a string parameter, or on each item of a
// string list: the value must be something Okta accepts.
type Format string

// Formats.
const (
	// FormatEmail: an email address, exactly (no display name).
	FormatEmail Format = "email"
	// FormatIPv4Entry: an IPv4 address, CIDR or range (a-b), as Okta's
	// network zones take them.
	FormatIPv4Entry Format = "ipv4_entry"
)

// checkFormat applies f to one string value.
func checkFormat(f Format, s string) error {
	switch f {
	case FormatEmail:
		if addr, err := mail.ParseAddress(s); err != nil || addr.Address != s {
			return fmt.Errorf("not a valid email address")
		}
	case FormatIPv4Entry:
		e, err := ParseIPEntry(s)
		if err != nil {
			return err
		}
		if !e.Is4() {
			return fmt.Errorf("%s is IPv6; Okta network zones take IPv4 addresses, CIDRs and ranges only", s)
		}
	}
	return nil
}

// Coerce reads one parameter's value as the action will use it: types
// coerced (a list may be a comma separated string, an integer a numeric
// string), enums normalised to their declared spelling (for a list, each
// item), then the parameter's own rules: list size, ranges, formats. now
// anchors relative times such as "-24h". The activities call it on every
// value; the playbook checker on every literal one, so both refuse the same
// values with the same message.
func (p Param) Coerce(v any, now time.Time) (any, error) {
	val, err := p.coerceType(v, now)
	if err != nil {
		return nil, err
	}
	if err := p.checkValue(val); err != nil {
		return nil, err
	}
	return val, nil
}

func (p Param) coerceType(v any, now time.Time) (any, error) {
	switch p.Type {
	case TypeString:
		s, err := ScalarString(v)
		if err != nil {
			return nil, err
		}
		e, ok := p.EnumValue(s)
		if !ok {
			return nil, enumError(p, s)
		}
		return e, nil
	case TypeInteger:
		if s, ok := v.(string); ok && p.IsAll(s) {
			return 0, nil
		}
		return toInt(v)
	case TypeBoolean:
		return toBool(v)
	case TypeStringList:
		l, err := ParseList(v)
		if err != nil {
			return nil, err
		}
		for i, s := range l {
			e, ok := p.EnumValue(s)
			if !ok {
				return nil, enumError(p, s)
			}
			l[i] = e
		}
		return l, nil
	case TypeIntList:
		return ParseIntList(v)
	case TypeObjectList:
		return toObjects(v)
	case TypeObject:
		return toObject(v)
	case TypeTime:
		s, err := ScalarString(v)
		if err != nil {
			return nil, err
		}
		return ParseTime(s, now)
	}
	return nil, fmt.Errorf("unsupported parameter type %s", p.Type)
}

// checkValue applies the parameter's size rules and, to each item of a
// list, CheckItem; to a scalar, its range and format.
func (p Param) checkValue(val any) error {
	var items []any
	switch x := val.(type) {
	case []string:
		items = anys(x)
	case []int:
		items = anys(x)
	case []map[string]any:
		items = anys(x)
	case int:
		return p.checkRange(x)
	case string:
		return checkFormat(p.Format, x)
	default:
		return nil
	}
	if err := p.checkSize(len(items)); err != nil {
		return err
	}
	for i, it := range items {
		if err := p.CheckItem(i, it); err != nil {
			return err
		}
	}
	return nil
}

// CheckItem checks one item of a list parameter (index from 0) as Coerce
// checks each: a string's enum and format, an integer's range, an
// object's Items rule. The checker calls it on each literal item, to
// point at the item.
func (p Param) CheckItem(index int, item any) error {
	switch x := item.(type) {
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return nil // ParseList drops empty items
		}
		if _, ok := p.EnumValue(x); !ok {
			return enumError(p, x)
		}
		return checkFormat(p.Format, x)
	case int:
		return p.checkRange(x)
	case map[string]any:
		if p.Items != nil {
			if err := p.Items(x); err != nil {
				return fmt.Errorf("item %d: %v", index, err)
			}
		}
	}
	return nil
}

// EnumError is the message for s outside the allowed values, the same
// from validate and from the activity.
func (p Param) EnumError(s string) error { return enumError(p, s) }

func enumError(p Param, s string) error {
	return fmt.Errorf("%q is not one of %s", strings.TrimSpace(s), strings.Join(p.Enum, ", "))
}

func anys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

func (p Param) checkSize(n int) error {
	if p.Required && n == 0 {
		return fmt.Errorf("required: the list is empty")
	}
	if p.MaxItems > 0 && n > p.MaxItems {
		return fmt.Errorf("%d items, at most %d allowed", n, p.MaxItems)
	}
	return nil
}

func (p Param) checkRange(n int) error {
	if p.Min != nil && n < *p.Min {
		if p.RangeHint != "" {
			return fmt.Errorf("%d %s", n, p.RangeHint)
		}
		return fmt.Errorf("%d is less than %d", n, *p.Min)
	}
	if p.Max != nil && n > *p.Max {
		return fmt.Errorf("%d is more than %d", n, *p.Max)
	}
	return nil
}

// atLeast is a Min bound.
func atLeast(n int) *int { return &n }

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case uint64:
		return int(x), nil
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int(x), nil
	case json.Number:
		n, err := x.Int64()
		return int(n), err
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("want an integer, got %T", v)
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return false, fmt.Errorf("%q is not true or false", x)
		}
		return b, nil
	}
	return false, fmt.Errorf("want true or false, got %T", v)
}

func toObjects(v any) ([]map[string]any, error) {
	if s, ok := v.(string); ok {
		var items []any
		if err := json.Unmarshal([]byte(s), &items); err != nil {
			return nil, fmt.Errorf("want a JSON list of objects: %v", err)
		}
		v = items
	}
	switch x := v.(type) {
	case []map[string]any:
		return x, nil
	case []any:
		out := make([]map[string]any, 0, len(x))
		for i, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("item %d: want an object, got %T", i, it)
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of objects, got %T", v)
}

func toObject(v any) (map[string]any, error) {
	if s, ok := v.(string); ok {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("want an object (or a JSON object string): %v", err)
		}
		v = m
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, got %T", v)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("the object is empty")
	}
	return m, nil
}
