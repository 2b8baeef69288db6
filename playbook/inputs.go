package playbook

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cordonsec/cordon/action"
)

var inputTypes = []string{"string", "number", "boolean", "list", "object"}

func (d *decoder) decodeInputs(n *node) {
	keys, vals := d.dict(n, "inputs")
	for i, k := range keys {
		if !identPattern.MatchString(k.str) {
			d.errs.add(k.pos, CheckInput, "input name %q must be an identifier (letters, digits, _), so that inputs.%s works", k.str, k.str)
		}
		in := d.input(k, vals[i])
		if in != nil {
			d.pb.Inputs = append(d.pb.Inputs, in)
			d.inputs[in.Name] = in
		}
	}
}

func (d *decoder) input(k, n *node) *Input {
	what := fmt.Sprintf("input %q", k.str)
	o := d.object(n, what, []string{"type", "required", "default", "description", "allowed"})
	in := &Input{Name: k.str, Pos: k.pos, Type: InputString}
	if o == nil {
		return in
	}
	if v := o.val("type"); v != nil {
		if s := d.enum(v, what+" type", inputTypes...); s != "" {
			in.Type = InputType(s)
		}
	} else {
		d.errs.add(k.pos, CheckMissingKey, "%s has no type (want one of %s)", what, strings.Join(inputTypes, ", "))
	}
	if v := o.val("required"); v != nil {
		in.Required = d.boolean(v, what+" required")
	}
	if v := o.val("description"); v != nil {
		in.Description, _ = d.str(v, what+" description")
	}
	if v := o.val("allowed"); v != nil && d.want(v, seqNode, what+" allowed") {
		for _, it := range v.items {
			val := it.toAny()
			if err := checkInputType(in.Type, val); err != "" {
				d.errs.add(it.pos, CheckInput, "%s: allowed value %s", what, err)
			}
			in.Allowed = append(in.Allowed, val)
		}
	}
	if v := o.val("default"); v != nil {
		in.Default, in.HasDefault = v.toAny(), true
		if strings.Contains(v.src, "${{") {
			d.errs.add(v.pos, CheckInput, "%s: a default is a literal; expressions are not evaluated here", what)
		} else if err := checkInputType(in.Type, in.Default); err != "" {
			d.errs.add(v.pos, CheckInput, "%s: default %s", what, err)
		} else if in.Allowed != nil && !allowed(in.Allowed, in.Default) {
			d.errs.add(v.pos, CheckEnum, "%s: default %s is not among the allowed values", what, short(in.Default))
		}
		if in.Required {
			d.errs.add(o.keyPos("default"), CheckUnreachable, "%s is required, so its default is never used", what)
		}
	}
	return in
}

// checkInputType returns "" when v has type t, else why not.
func checkInputType(t InputType, v any) string {
	ok := false
	switch t {
	case InputString:
		_, ok = v.(string)
	case InputNumber:
		switch v.(type) {
		case int, float64:
			ok = true
		}
	case InputBoolean:
		_, ok = v.(bool)
	case InputList:
		_, ok = v.([]any)
	case InputObject:
		_, ok = v.(map[string]any)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("%s is a %s, not a %s", short(v), typeName(v), t)
}

func allowed(list []any, v any) bool {
	return slices.ContainsFunc(list, func(a any) bool { return reflect.DeepEqual(normalize(a), v) })
}

// InputsWithDefaults checks given input values against the declarations
// and fills in defaults. Values from the command line arrive as strings, so
// a string is converted to a declared number, boolean, list (comma or
// newline separated, or JSON) or object (JSON). Errors name the input.
func (p *Playbook) InputsWithDefaults(given map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(p.Inputs))
	var problems []string
	declared := map[string]bool{}
	for _, in := range p.Inputs {
		declared[in.Name] = true
		v, ok := given[in.Name]
		if !ok || v == nil {
			switch {
			case in.HasDefault:
				out[in.Name] = copyJSON(in.Default)
			case in.Required:
				problems = append(problems, fmt.Sprintf("input %s is required", in.Name))
			}
			continue
		}
		v, err := coerceInput(in.Type, normalize(v))
		if err != "" {
			problems = append(problems, fmt.Sprintf("input %s: %s", in.Name, err))
			continue
		}
		if in.Allowed != nil && !allowed(in.Allowed, v) {
			problems = append(problems, fmt.Sprintf("input %s: %s is not one of the allowed values %s", in.Name, short(v), short(in.Allowed)))
			continue
		}
		out[in.Name] = v
	}
	var extra []string
	for k := range given {
		if !declared[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		names := make([]string, len(p.Inputs))
		for i, in := range p.Inputs {
			names[i] = in.Name
		}
		problems = append(problems, fmt.Sprintf("input %s is not declared by playbook %s%s", k, p.Name, suggest(k, names, true)))
	}
	if problems != nil {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, nil
}

// coerceInput converts v to type t where a string stands for another type.
// A whole number that arrived as a float (all JSON numbers do) becomes an
// int, so that integer operators such as % work on it.
func coerceInput(t InputType, v any) (any, string) {
	if f, ok := v.(float64); ok && t == InputNumber && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f), ""
	}
	s, isStr := v.(string)
	if isStr && t != InputString {
		switch t {
		case InputNumber:
			if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				return i, ""
			}
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return f, ""
			}
		case InputBoolean:
			if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
				return b, ""
			}
		case InputList:
			if strings.HasPrefix(strings.TrimSpace(s), "[") {
				var l []any
				if json.Unmarshal([]byte(s), &l) == nil {
					return l, ""
				}
			}
			out := []any{}
			for _, f := range action.SplitList(s) {
				out = append(out, f)
			}
			return out, ""
		case InputObject:
			var m map[string]any
			if json.Unmarshal([]byte(s), &m) == nil {
				return m, ""
			}
		}
	}
	if err := checkInputType(t, v); err != "" {
		return nil, err
	}
	return v, ""
}

// Step returns the step with the given id, searching parallel branches.
func (p *Playbook) Step(id string) *Step {
	var find func([]*Step) *Step
	find = func(steps []*Step) *Step {
		for _, s := range steps {
			if s.ID == id {
				return s
			}
			if b := find(s.Parallel); b != nil {
				return b
			}
		}
		return nil
	}
	return find(p.Steps)
}
