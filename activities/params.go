package activities

// This file imports neither Temporal nor the Okta client.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon/activities/spec"
)

// InputError is invalid input to an action. It is detected before any Okta
// call and names the parameter.
type InputError struct {
	Action string // action name, e.g. okta.deactivate_users
	Param  string // parameter name; "" for a rule across parameters
	Msg    string
}

func (e *InputError) Error() string {
	if e.Param == "" {
		return fmt.Sprintf("%s: invalid input: %s", e.Action, e.Msg)
	}
	return fmt.Sprintf("%s: invalid input: parameter %s: %s", e.Action, e.Param, e.Msg)
}

// Params is an action's input after validation against its spec: types
// coerced, defaults applied, enums normalised to their declared spelling.
type Params struct {
	vals map[string]any
}

// Has reports whether the parameter was given (or has a default).
func (p *Params) Has(name string) bool { _, ok := p.vals[name]; return ok }

// Str returns a string parameter ("" when absent).
func (p *Params) Str(name string) string { s, _ := p.vals[name].(string); return s }

// Int returns an integer parameter (0 when absent).
func (p *Params) Int(name string) int { n, _ := p.vals[name].(int); return n }

// Bool returns a boolean parameter (false when absent).
func (p *Params) Bool(name string) bool { b, _ := p.vals[name].(bool); return b }

// List returns a string list parameter (nil when absent).
func (p *Params) List(name string) []string { l, _ := p.vals[name].([]string); return l }

// Ints returns an integer list parameter.
func (p *Params) Ints(name string) []int { l, _ := p.vals[name].([]int); return l }

// Objects returns an object list parameter.
func (p *Params) Objects(name string) []map[string]any {
	l, _ := p.vals[name].([]map[string]any)
	return l
}

// Object returns an object parameter (nil when absent).
func (p *Params) Object(name string) map[string]any { m, _ := p.vals[name].(map[string]any); return m }

// Time returns a time parameter (zero when absent).
func (p *Params) Time(name string) time.Time { t, _ := p.vals[name].(time.Time); return t }

// check applies the action's rules across parameters (spec.Action.Check)
// to the string values given.
func (p *Params) check(a *spec.Action) error {
	if a.Check == nil {
		return nil
	}
	values := map[string]string{}
	for k, v := range p.vals {
		if s, ok := v.(string); ok && s != "" {
			values[k] = s
		}
	}
	if issues := a.Check(values); len(issues) > 0 {
		return &InputError{Action: a.Name, Param: issues[0].Param, Msg: issues[0].Msg}
	}
	return nil
}

// ParseParams validates raw against the action's parameter specs: unknown
// and missing required parameters, types, enums and list sizes. now anchors
// relative times such as "-24h". The first problem is returned as an
// *InputError naming the parameter.
func ParseParams(a *spec.Action, raw map[string]any, now time.Time) (*Params, error) {
	p := &Params{vals: map[string]any{}}
	for k := range raw {
		if _, ok := a.Param(k); !ok {
			return nil, &InputError{Action: a.Name, Param: k, Msg: fmt.Sprintf("unknown parameter (want one of %s)", strings.Join(a.ParamNames(), ", "))}
		}
	}
	for _, ps := range a.Params {
		v, given := raw[ps.Name]
		if !given || v == nil || v == "" {
			if ps.Required {
				return nil, &InputError{Action: a.Name, Param: ps.Name, Msg: "required"}
			}
			if ps.Default == nil {
				continue
			}
			v = ps.Default
		}
		val, err := coerce(ps, v, now)
		if err != nil {
			return nil, &InputError{Action: a.Name, Param: ps.Name, Msg: err.Error()}
		}
		if err := checkSize(ps, val); err != nil {
			return nil, &InputError{Action: a.Name, Param: ps.Name, Msg: err.Error()}
		}
		p.vals[ps.Name] = val
	}
	return p, nil
}

func checkSize(ps spec.Param, val any) error {
	n := -1
	switch l := val.(type) {
	case []string:
		n = len(l)
	case []int:
		n = len(l)
	case []map[string]any:
		n = len(l)
	}
	if n < 0 {
		return nil
	}
	if ps.Required && n == 0 {
		return fmt.Errorf("required: the list is empty")
	}
	if ps.MaxItems > 0 && n > ps.MaxItems {
		return fmt.Errorf("%d items, at most %d allowed", n, ps.MaxItems)
	}
	return nil
}

func coerce(ps spec.Param, v any, now time.Time) (any, error) {
	switch ps.Type {
	case spec.TypeString:
		s, err := spec.ScalarString(v)
		if err != nil {
			return nil, err
		}
		e, ok := ps.EnumValue(s)
		if !ok {
			return nil, fmt.Errorf("%q is not one of %s", strings.TrimSpace(s), strings.Join(ps.Enum, ", "))
		}
		return e, nil
	case spec.TypeInteger:
		if s, ok := v.(string); ok && ps.IsAll(s) {
			return 0, nil
		}
		return toInt(v)
	case spec.TypeBoolean:
		return toBool(v)
	case spec.TypeStringList:
		return spec.ParseList(v)
	case spec.TypeIntList:
		out, err := spec.ParseIntList(v)
		if err != nil {
			return nil, err
		}
		return out, nil
	case spec.TypeObjectList:
		return toObjects(v)
	case spec.TypeObject:
		return toObject(v)
	case spec.TypeTime:
		s, err := spec.ScalarString(v)
		if err != nil {
			return nil, err
		}
		return spec.ParseTime(s, now)
	}
	return nil, fmt.Errorf("unsupported parameter type %s", ps.Type)
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
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
