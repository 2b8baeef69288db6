package playbook

import (
	"strings"
	"time"

	"github.com/cordonsec/cordon/action"
)

// The checker applies the registry's own rules (action.Param.Coerce and
// CheckItem, action.Action.Rules) to the values written in a file, so that
// `cordon validate` refuses what the activity would refuse for the same
// literal, with the activity's message. Values given by an expression are
// left to the activity, which applies the same rules when the step runs.

// checkParamValue applies a well-typed literal parameter's own rules:
// enums of list items, formats, ranges, sizes. Items are checked one by
// one first, so that an error points at the item.
func (d *decoder) checkParamValue(a *action.Action, p action.Param, n *node, v *Value) {
	if d.opts.Pinned {
		return
	}
	what := a.Name + " parameter " + p.Name
	if n.kind == seqNode {
		var lits []any
		if v.literal {
			lits, _ = v.lit.([]any)
		}
		bad := false
		for i, it := range n.items {
			var lit any
			switch {
			case v.literal && i < len(lits):
				lit = lits[i]
			case !v.literal && i < len(v.items) && v.items[i].literal:
				lit = v.items[i].lit
			default:
				continue
			}
			if err := p.CheckItem(i, lit); err != nil {
				bad = true
				d.errs.add(it.pos, itemKind(p, err), "%s: %v%s", what, err, enumHint(p, lit, err))
			}
		}
		if bad {
			return
		}
	}
	if !v.literal {
		return
	}
	if _, err := p.Coerce(v.lit, d.now()); err != nil {
		d.errs.add(n.pos, itemKind(p, err), "%s: %v", what, err)
	}
}

// itemKind tells an enum error from another value error.
func itemKind(p action.Param, err error) string {
	if len(p.Enum) > 0 && strings.Contains(err.Error(), " is not one of ") {
		return CheckEnum
	}
	return CheckValue
}

func enumHint(p action.Param, lit any, err error) string {
	s, ok := lit.(string)
	if !ok || itemKind(p, err) != CheckEnum {
		return ""
	}
	return suggest(strings.TrimSpace(s), p.Enum, false)
}

// checkRules applies the action's rules across parameters
// (action.Action.Rules) to the values the file fixes: literals and the
// defaults of parameters not written. A string mixing text and ${{ }} is
// given to syntax rules as its text with each expression read as x (the
// attribute in 'profile.department eq "${{ inputs.d }}"' is literal); a
// value that is one whole expression is unknown, so rules reading it are
// left to the activity. An issue points at its parameter's value, or at
// the with: block when the parameter is not written.
func (d *decoder) checkRules(a *action.Action, keys []*node, vals []*node, out map[string]*Value, block Pos) {
	if len(a.Rules) == 0 || d.opts.Pinned {
		return
	}
	raw := map[string]any{}
	unknown := map[string]bool{}
	text := map[string]string{}
	at := map[string]*node{}
	for i, k := range keys {
		v := out[k.str]
		if v == nil {
			continue
		}
		at[k.str] = vals[i]
		switch {
		case v.literal:
			raw[k.str] = v.lit
		case v.parts != nil:
			text[k.str] = templateText(v)
		case v.isMap:
			// Its keys are written in the file (profile: {login: ...}),
			// whatever expressions give its values.
			raw[k.str] = mappingKeys(v)
		default:
			unknown[k.str] = true
		}
	}
	values := a.LiteralValues(raw, unknown, text, d.now())
	seen := map[string]bool{}
	for _, is := range a.CheckRules(values) {
		// One issue per parameter: the first, which the activity reports.
		if seen[is.Param] {
			continue
		}
		seen[is.Param] = true
		pos := block
		if n, ok := at[is.Param]; ok {
			pos = keyPos(n, is.Key)
		}
		d.errs.add(pos, CheckValue, "%s parameter %s: %s", a.Name, is.Param, is.Msg)
	}
}

// templateText is a template's text with each ${{ }} read as x.
func templateText(v *Value) string {
	var b strings.Builder
	for _, p := range v.parts {
		if p.expr != nil {
			b.WriteString("x")
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// keyPos is the position of key in a mapping node, or of the node.
func keyPos(n *node, key string) Pos {
	if key != "" && n.kind == mapNode {
		for _, k := range n.keys {
			if k.str == key {
				return k.pos
			}
		}
	}
	return n.pos
}

// now is the clock the rules about times read, as the activity reads its
// own when the step runs. Never called for a pinned playbook (Options.Pinned),
// whose re-parse in a workflow must not read the machine's clock.
func (d *decoder) now() time.Time { return time.Now() }

// mappingKeys is a mapping holding expressions as the rules may read it:
// its keys, with the literal values and null for the computed ones.
func mappingKeys(v *Value) map[string]any {
	m := make(map[string]any, len(v.keys))
	for i, k := range v.keys {
		if f := v.fields[i]; f.literal {
			m[k] = f.lit
		} else {
			m[k] = nil
		}
	}
	return m
}
