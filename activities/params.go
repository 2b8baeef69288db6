package activities

// This file imports neither Temporal nor the Okta client.

import (
	"fmt"
	"strings"
	"time"

	"github.com/cordonsec/cordon/action"
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

// check applies the action's rules across parameters (action.Action.Rules),
// the same the playbook checker applies to literal values, with the same
// messages; the first issue refuses the step.
func (p *Params) check(a *action.Action, now time.Time) error {
	if issues := a.CheckRules(action.KnownValues(p.vals, now)); len(issues) > 0 {
		return &InputError{Action: a.Name, Param: issues[0].Param, Msg: issues[0].Msg}
	}
	return nil
}

// ParseParams validates raw against the action's parameter specs: unknown
// and missing required parameters, then each value with action.Param.Coerce
// (types, enums, sizes, ranges, formats). now anchors
// relative times such as "-24h". The first problem is returned as an
// *InputError naming the parameter.
func ParseParams(a *action.Action, raw map[string]any, now time.Time) (*Params, error) {
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
		val, err := ps.Coerce(v, now)
		if err != nil {
			return nil, &InputError{Action: a.Name, Param: ps.Name, Msg: err.Error()}
		}
		p.vals[ps.Name] = val
	}
	return p, nil
}
