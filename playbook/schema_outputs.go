package playbook

import (
	"strings"

	"github.com/cordonsec/cordon/action"
)

// The schema's account of typed outputs: $defs["output.<action>"] is the
// JSON Schema of each action's output shape, and a step naming an action
// describes its output on the action: key, which editors show on hover
// and completion.

// outputDefs adds one output definition per action with a shape, and
// one per named shape (the Okta objects) they refer to.
func outputDefs(reg *action.Registry, d obj) {
	for _, a := range reg.All() {
		if a.OutputShape != nil {
			d["output."+a.Name] = shapeSchema(a.OutputShape, d, true)
		}
	}
}

// shapeDef is the $defs key of a named shape: "Okta user" is shape.okta_user.
func shapeDef(name string) string {
	return "shape." + strings.ReplaceAll(strings.ToLower(name), " ", "_")
}

// actionOutputHint is the description of the action: key of a step naming a.
func actionOutputHint(a *action.Action) obj {
	desc := a.Title + ": " + a.Description
	if a.OutputShape != nil {
		desc += " Output (steps.<id>.output): " + a.OutputShape.String() + "."
	}
	return obj{"description": desc}
}

// shapeSchema renders a shape as JSON Schema: closed objects forbid other
// properties, open ones allow them, "any" allows everything.
func shapeSchema(s *action.Shape, d obj, top bool) obj {
	if s.Name != "" && !top {
		key := shapeDef(s.Name)
		if _, done := d[key]; !done {
			d[key] = obj{} // taken, for shapes that refer to themselves
			d[key] = shapeSchema(s, d, true)
		}
		return defRef(key)
	}
	out := obj{}
	switch s.Kind {
	case action.ShapeObject:
		props := obj{}
		for _, f := range s.Fields {
			props[f.Name] = shapeSchema(f.Shape, d, false)
		}
		out = obj{"type": []string{"object", "null"}, "properties": props, "additionalProperties": s.Open}
	case action.ShapeList:
		out = obj{"type": []string{"array", "null"}, "items": shapeSchema(s.Elem, d, false)}
	case action.ShapeString, action.ShapeInteger, action.ShapeNumber, action.ShapeBoolean:
		out = obj{"type": []string{string(s.Kind), "null"}}
	}
	if s.Name != "" {
		out["title"] = s.Name
	}
	return out
}
