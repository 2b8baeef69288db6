package action

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// ShapeKind is the JSON kind of an output value.
type ShapeKind string

// Shape kinds.
const (
	ShapeObject  ShapeKind = "object"
	ShapeList    ShapeKind = "list"
	ShapeString  ShapeKind = "string"
	ShapeInteger ShapeKind = "integer"
	ShapeNumber  ShapeKind = "number"
	ShapeBoolean ShapeKind = "boolean"
	// ShapeAny is a value whose shape Cordon does not fix (an item's data,
	// Okta's free-form parts).
	ShapeAny ShapeKind = "any"
)

// Shape is the type of an action's output, or of a part of it: what
// `cordon validate` checks steps.X.output paths against, what `cordon
// schema` and docs/actions.md show.
type Shape struct {
	Kind ShapeKind
	// Name names a shape the docs describe once ("Okta user").
	Name string
	// Fields of an object, in display order.
	Fields []Field
	// Open objects may hold fields besides Fields (custom profile
	// attributes, Okta's extensible parts); reading another field is not
	// an error there.
	Open bool
	// Elem is a list's item shape.
	Elem *Shape
}

// Field is one field of an object shape.
type Field struct {
	Name  string
	Shape *Shape
}

// Field returns the named field's shape. An open object answers ShapeAny
// for a field it does not list; ok is false only on a closed object.
func (s *Shape) Field(name string) (*Shape, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f.Shape, true
		}
	}
	if s.Open {
		return anyShape, true
	}
	return nil, false
}

// FieldNames lists an object's fields in display order.
func (s *Shape) FieldNames() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// Describe names the shape for messages: "Okta user", "list of Okta
// user", "{found, user}".
func (s *Shape) Describe() string {
	switch {
	case s.Name != "":
		return s.Name
	case s.Kind == ShapeList:
		return "list of " + s.Elem.Describe()
	case s.Kind == ShapeObject:
		return "{" + strings.Join(s.FieldNames(), ", ") + "}"
	}
	return string(s.Kind)
}

// String renders the shape, named shapes by name: the form
// docs/actions.md shows per action.
func (s *Shape) String() string { return s.render(false) }

// Expand renders a named shape's own fields (the docs list each once).
func (s *Shape) Expand() string { return s.render(true) }

func (s *Shape) render(top bool) string {
	switch {
	case s.Name != "" && !top:
		return s.Name
	case s.Kind == ShapeList:
		return "[" + s.Elem.render(false) + "]"
	case s.Kind == ShapeObject:
		parts := make([]string, 0, len(s.Fields)+1)
		for _, f := range s.Fields {
			if f.Shape.Kind == ShapeAny {
				parts = append(parts, f.Name)
				continue
			}
			parts = append(parts, f.Name+": "+f.Shape.render(false))
		}
		if s.Open {
			parts = append(parts, "...")
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return string(s.Kind)
}

var anyShape = &Shape{Kind: ShapeAny}

func scalar(k ShapeKind) *Shape { return &Shape{Kind: k} }

func listOf(s *Shape) *Shape { return &Shape{Kind: ShapeList, Elem: s} }

// object builds a closed object of the given fields.
func object(fields ...Field) *Shape { return &Shape{Kind: ShapeObject, Fields: fields} }

// open builds an object that may hold more than the fields listed.
func open(fields ...Field) *Shape { return &Shape{Kind: ShapeObject, Fields: fields, Open: true} }

// f is a field; str, anyF the commonest.
func f(name string, s *Shape) Field { return Field{Name: name, Shape: s} }
func str(name string) Field         { return Field{Name: name, Shape: scalar(ShapeString)} }
func anyF(name string) Field        { return Field{Name: name, Shape: anyShape} }

// named returns s carrying a name for docs.
func named(name string, s *Shape) *Shape { s.Name = name; return s }

// ShapeOf derives a shape from a Go type the way encoding/json renders
// it: structs by their json tags (closed), maps and interfaces as any,
// slices as lists, times as strings. The activities' result types (spec
// BulkResult, ConnectionResult, FetchedEvent) are described this way, so
// the declared output cannot drift from what is returned.
func ShapeOf(t reflect.Type) *Shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return scalar(ShapeString)
	case t.Kind() == reflect.Struct:
		s := object()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			s.Fields = append(s.Fields, f(name, ShapeOf(sf.Type)))
		}
		return s
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return anyShape // json.RawMessage: the caller says what it holds
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return listOf(ShapeOf(t.Elem()))
	case t.Kind() == reflect.String:
		return scalar(ShapeString)
	case t.Kind() == reflect.Bool:
		return scalar(ShapeBoolean)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return scalar(ShapeInteger)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return scalar(ShapeNumber)
	}
	return anyShape
}

// with returns a copy of the object s with field name's shape replaced
// (or added); without returns a copy with the fields removed.
func (s *Shape) with(name string, fs *Shape) *Shape {
	c := *s
	c.Fields = nil
	found := false
	for _, x := range s.Fields {
		if x.Name == name {
			x.Shape, found = fs, true
		}
		c.Fields = append(c.Fields, x)
	}
	if !found {
		c.Fields = append(c.Fields, f(name, fs))
	}
	return &c
}

func (s *Shape) without(names ...string) *Shape {
	c := *s
	c.Fields = nil
	for _, x := range s.Fields {
		if !slices.Contains(names, x.Name) {
			c.Fields = append(c.Fields, x)
		}
	}
	return &c
}

// NamedShapes returns the named shapes reachable from the registry's
// outputs, sorted by name, for the docs' reference of Okta objects.
func (r *Registry) NamedShapes() []*Shape {
	seen := map[string]*Shape{}
	var walk func(*Shape)
	walk = func(s *Shape) {
		if s == nil {
			return
		}
		if s.Name != "" {
			if _, ok := seen[s.Name]; ok {
				return
			}
			seen[s.Name] = s
		}
		walk(s.Elem)
		for _, x := range s.Fields {
			walk(x.Shape)
		}
	}
	for _, a := range r.All() {
		walk(a.OutputShape)
	}
	out := make([]*Shape, 0, len(seen))
	for _, s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
