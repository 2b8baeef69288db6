package action

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Values are an action's parameters as its rules see them: coerced (see
// Param.Coerce), defaults applied. The activity knows every value; the
// playbook checker only those written as literals, so a value given by an
// expression is unknown and a rule that reads it is left to the activity.
type Values struct {
	vals    map[string]any
	unknown map[string]bool
	text    map[string]string
	// Now anchors relative times and stands for an absent end time.
	Now time.Time
}

// KnownValues returns the values of an activity: all known.
func KnownValues(vals map[string]any, now time.Time) Values {
	return Values{vals: vals, Now: now}
}

// LiteralValues builds the values the checker knows: raw holds the
// literal values written (decoded YAML), unknown the parameters given by
// an expression, text the string parameters mixing text and expressions,
// each ${{ }} read as "x" (their text is what syntax rules are about).
// Literals that do not coerce are reported by the checker's type checks;
// here they count as unknown. Defaults apply to parameters not written.
func (a *Action) LiteralValues(raw map[string]any, unknown map[string]bool, text map[string]string, now time.Time) Values {
	v := Values{vals: map[string]any{}, unknown: map[string]bool{}, text: text, Now: now}
	for k := range unknown {
		v.unknown[k] = true
	}
	for k := range text {
		v.unknown[k] = true
	}
	for _, p := range a.Params {
		if v.unknown[p.Name] {
			continue
		}
		x, given := raw[p.Name]
		if !given || x == nil || x == "" {
			if p.Default == nil {
				continue
			}
			x = p.Default
		}
		c, err := p.Coerce(x, now)
		if err != nil {
			v.unknown[p.Name] = true
			continue
		}
		v.vals[p.Name] = c
	}
	return v
}

// Get returns a parameter's value; known is false when it is only known
// at run time. An absent parameter is known, with a nil value.
func (v Values) Get(name string) (val any, known bool) {
	if v.unknown[name] {
		return nil, false
	}
	return v.vals[name], true
}

// Text returns a string parameter's text: its value, or for a template
// its text with each ${{ }} read as "x". ok is false when unknown.
func (v Values) Text(name string) (string, bool) {
	if t, ok := v.text[name]; ok {
		return t, true
	}
	x, known := v.Get(name)
	s, _ := x.(string)
	return s, known
}

// given says whether a parameter is set to something non-empty. A
// template string always is.
func (v Values) given(name string) (given, known bool) {
	if _, ok := v.text[name]; ok {
		return true, true
	}
	x, known := v.Get(name)
	if !known {
		return false, false
	}
	if x == nil {
		return false, true
	}
	if r := reflect.ValueOf(x); r.Kind() == reflect.Slice || r.Kind() == reflect.Map || r.Kind() == reflect.String {
		return r.Len() > 0, true
	}
	return true, true
}

// Cond is a condition on one parameter: with Is nil, that it is given
// (non-empty); otherwise that it equals Is.
type Cond struct {
	Param string
	Is    any
}

func (c Cond) holds(v Values) (holds, known bool) {
	if c.Is == nil {
		return v.given(c.Param)
	}
	x, known := v.Get(c.Param)
	if !known {
		return false, false
	}
	return x == c.Is, true
}

func (c Cond) String() string {
	if c.Is == nil {
		return "`" + c.Param + "` is given"
	}
	return fmt.Sprintf("`%s` is `%v`", c.Param, c.Is)
}

// Rule is one rule across parameters. The data forms cover the usual
// cases: with When (all must hold, else the rule does not apply), one of
// Requires must hold and none of Excludes may. Check is for a rule data
// cannot say (Okta's filter syntax, protected profile fields); it reads
// only the parameters in Reads, and is skipped while one is unknown.
type Rule struct {
	Param    string // the parameter an issue points at
	When     []Cond
	Requires []Cond
	Excludes []Cond
	Msg      string

	Check func(Values) []Issue
	Reads []string
	// TextOK lets Check run on template text (Values.Text).
	TextOK bool
	Doc    string // what Check enforces, for docs/actions.md
}

// Kind names the rule's form for docs: requires, excludes, conditional
// or check.
func (r Rule) Kind() string {
	switch {
	case r.Check != nil:
		return "check"
	case len(r.Excludes) > 0:
		return "excludes"
	case len(r.When) > 0:
		return "conditional"
	}
	return "requires"
}

// String describes the rule for docs.
func (r Rule) String() string {
	if r.Check != nil {
		return r.Doc
	}
	var b strings.Builder
	if len(r.When) > 0 {
		parts := make([]string, len(r.When))
		for i, c := range r.When {
			parts[i] = c.String()
		}
		b.WriteString("when " + strings.Join(parts, " and ") + ": ")
	}
	if len(r.Requires) > 0 {
		parts := make([]string, len(r.Requires))
		for i, c := range r.Requires {
			parts[i] = c.String()
		}
		b.WriteString("requires " + strings.Join(parts, " or "))
	}
	if len(r.Excludes) > 0 {
		parts := make([]string, len(r.Excludes))
		for i, c := range r.Excludes {
			parts[i] = strings.TrimSuffix(c.String(), " is given")
		}
		if len(r.Requires) > 0 {
			b.WriteString("; ")
		}
		b.WriteString("excludes " + strings.Join(parts, ", "))
	}
	return b.String() + " (" + r.Msg + ")"
}

// apply returns the rule's issue, if the values known break it.
func (r Rule) apply(v Values) []Issue {
	if r.Check != nil {
		for _, p := range r.Reads {
			_, isText := v.text[p]
			if _, known := v.Get(p); !known && !(r.TextOK && isText) {
				return nil
			}
		}
		return r.Check(v)
	}
	for _, c := range r.When {
		if holds, known := c.holds(v); !holds || !known {
			return nil
		}
	}
	if len(r.Requires) > 0 {
		met, unknown := false, false
		for _, c := range r.Requires {
			holds, known := c.holds(v)
			met = met || holds
			unknown = unknown || !known
		}
		if !met && !unknown {
			return []Issue{{Param: r.Param, Msg: r.Msg}}
		}
	}
	for _, c := range r.Excludes {
		if holds, known := c.holds(v); holds && known {
			return []Issue{{Param: r.Param, Msg: r.Msg}}
		}
	}
	return nil
}

// CheckRules applies the action's rules to v, in declaration order.
func (a *Action) CheckRules(v Values) []Issue {
	var out []Issue
	for _, r := range a.Rules {
		out = append(out, r.apply(v)...)
	}
	return out
}
