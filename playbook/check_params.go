package playbook

import (
	"fmt"
	"strings"
	"time"

	"github.com/cordonsec/cordon/action"
)

// params decodes an action's with: block against its spec. Only literal
// values are type-checked: an expression's type is known at run time.
func (d *decoder) params(a *action.Action, o *object, sc *scope) map[string]*Value {
	n := o.val("with")
	keys, vals := d.dict(n, "with")
	out := make(map[string]*Value, len(keys))
	for i, k := range keys {
		v := d.value(vals[i], sc)
		out[k.str] = v
		p, ok := a.Param(k.str)
		if !ok {
			d.errs.add(k.pos, CheckUnknownParam, "%s has no parameter %q%s", a.Name, k.str, paramHint(k.str, a))
			continue
		}
		before := len(d.errs.list)
		d.checkParam(a, p, vals[i], v)
		if len(d.errs.list) == before {
			d.checkParamValue(a, p, vals[i], v)
		}
	}
	at := o.keyPos("action")
	if n != nil {
		at = o.keyPos("with")
	}
	for _, p := range a.Params {
		if p.Required && out[p.Name] == nil {
			d.errs.add(at, CheckMissingParam, "%s needs parameter %s (%s)", a.Name, p.Name, p.Type)
		}
	}
	d.checkRules(a, keys, vals, out, at)
	return out
}

func paramHint(name string, a *action.Action) string {
	if len(a.Params) == 0 {
		return " (it takes no parameters)"
	}
	return suggest(name, a.ParamNames(), true)
}

// checkParam checks a literal parameter value against the parameter's type.
func (d *decoder) checkParam(a *action.Action, p action.Param, n *node, v *Value) {
	if v.expr != nil {
		return
	}
	what := a.Name + " parameter " + p.Name
	if n.kind == scalarNode && n.tag == "null" {
		d.errs.add(n.pos, CheckParamType, "%s is empty; give a value or leave the parameter out", what)
		return
	}
	switch p.Type {
	case action.TypeString, action.TypeTime:
		if !d.paramScalar(n, v, "str", what, "a string") || !v.literal {
			return
		}
		if p.Type == action.TypeTime {
			if err := checkTime(n.str); err != "" {
				d.errs.add(n.pos, CheckParamType, "%s: %s", what, err)
			}
		}
		d.checkEnum(p, n, what)
	case action.TypeInteger:
		if n.kind == scalarNode && n.tag == "str" && p.IsAll(n.str) {
			return
		}
		want := "an integer"
		if p.AllowAll {
			want = `an integer or "all"`
		}
		d.paramScalar(n, v, "int", what, want)
	case action.TypeBoolean:
		d.paramScalar(n, v, "bool", what, "true or false")
	case action.TypeStringList, action.TypeIntList, action.TypeObjectList:
		d.checkList(p, n, v, what)
	case action.TypeObject:
		if v.expr == nil && n.kind != mapNode && !(n.kind == scalarNode && n.tag == "str") {
			d.errs.add(n.pos, CheckParamType, "%s must be a mapping, got %s", what, article(n.kindName()))
		}
	}
}

// paramScalar checks a scalar's literal type. A string mixing text and
// expressions is a string, which only string parameters accept.
func (d *decoder) paramScalar(n *node, v *Value, tag, what, want string) bool {
	if v.parts != nil {
		if tag == "str" {
			return true
		}
		d.errs.add(n.pos, CheckParamType, "%s must be %s; text around ${{ }} makes a string (use a single ${{ }} expression)", what, want)
		return false
	}
	if n.kind == scalarNode && n.tag == tag {
		return true
	}
	hint := ""
	if tag == "str" && n.kind == scalarNode {
		hint = fmt.Sprintf(` (quote it: "%s")`, n.str)
	}
	d.errs.add(n.pos, CheckParamType, "%s must be %s, got %s%s", what, want, article(n.kindName()), hint)
	return false
}

func (d *decoder) checkEnum(p action.Param, n *node, what string) {
	if _, ok := p.EnumValue(n.str); ok {
		return
	}
	d.errs.add(n.pos, CheckEnum, "%s: %v%s", what, p.EnumError(n.str), suggest(strings.TrimSpace(n.str), p.Enum, false))
}

// checkList checks a list parameter: a list, or a comma/newline separated
// string, whose literal entries have the element type.
func (d *decoder) checkList(p action.Param, n *node, v *Value, what string) {
	if n.kind == scalarNode && n.tag == "str" && p.Type != action.TypeObjectList {
		if p.Type == action.TypeIntList && v.literal {
			if _, err := action.ParseIntList(n.str); err != nil {
				d.errs.add(n.pos, CheckParamType, "%s: %v", what, err)
			}
		}
		return
	}
	if n.kind != seqNode {
		want := "a list or a comma separated string"
		if p.Type == action.TypeObjectList {
			want = "a list of mappings"
		}
		d.errs.add(n.pos, CheckParamType, "%s must be %s, got %s", what, want, article(n.kindName()))
		return
	}
	for i, it := range n.items {
		if v.items != nil && v.items[i].expr != nil {
			continue
		}
		ok, want := false, ""
		switch p.Type {
		case action.TypeStringList:
			ok, want = it.kind == scalarNode && it.tag == "str", "a string"
		case action.TypeIntList:
			ok, want = it.kind == scalarNode && it.tag == "int", "an integer"
		case action.TypeObjectList:
			ok, want = it.kind == mapNode, "a mapping"
		}
		if !ok {
			d.errs.add(it.pos, CheckParamType, "%s: entry %d must be %s, got %s", what, i+1, want, article(it.kindName()))
		}
	}
}

// checkTime accepts the time forms the actions accept (action.ParseTime),
// with a hint for an unsigned duration.
func checkTime(s string) string {
	if _, err := action.ParseTime(s, time.Time{}); err == nil {
		return ""
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return fmt.Sprintf("%q is not a relative time such as -24h or -7d", s)
	}
	hint := ""
	if _, err := time.ParseDuration(s); err == nil {
		hint = fmt.Sprintf(" (a relative time needs a sign: -%s)", s)
	}
	return fmt.Sprintf(`%q is not a time: want "2023-03-02 00:00" (UTC), RFC 3339, or relative like -24h%s`, s, hint)
}
