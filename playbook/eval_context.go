package playbook

import (
	"fmt"
	"reflect"
	"strings"
)

// The expression context is declared once, by Env's expr tags (and those
// of the structs it holds). This file derives from that declaration what
// the checker needs (the variable names, the fields of each struct for
// "did you mean") and the table in docs/playbooks.md, so a variable added
// to Env is compiled, checked and documented without a second list.

// contextNames are the variables expressions see, in Env's order.
var contextNames = exprFieldNames(reflect.TypeFor[Env]())

// fieldType is a context struct as the checker names it in messages: its
// path (steps.<id>.error) and its fields.
type fieldType struct {
	name   string
	fields []string
}

// fieldTypes maps the Go name of each context struct (as expr's checker
// reports it: "type playbook.RunInfo has no field x") to its path and
// fields.
var fieldTypes = contextStructs()

// contextDocs describe the rows of the documented context table. A %s
// stands for the fields of the struct the row names, as `{a, b}`.
// TestContextDocs checks that every row of the table has a description
// and every description a row.
var contextDocs = map[string]string{
	"inputs.<name>":     "the run's inputs",
	"alert":             "the triggering alert (JSON), or `null`",
	"event":             "the Okta System Log event of an okta_event trigger",
	"steps.<id>.output": "an earlier step's output (`null` when it was skipped)",
	"steps.<id>.status": "`succeeded`, `partially_succeeded`, `failed`, `skipped`, `planned`, `rejected`",
	"steps.<id>.error":  "%s of a failed step, else `null`",
	"vars.<name>":       "values set by earlier `set:` steps",
	"item":              "the current item, in the `with:` of a foreach step",
	"index":             "the current item's 0-based index, in the `with:` of a foreach step",
	"run":               "%s",
}

// exprField is one field expressions see.
type exprField struct {
	name string
	typ  reflect.Type
}

// exprFields lists the fields of struct t under their expr names, skipping
// those tagged "-" and unexported ones, as expr does.
func exprFields(t reflect.Type) []exprField {
	var out []exprField
	for f := range t.Fields() {
		name := f.Tag.Get("expr")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, exprField{name: name, typ: f.Type})
	}
	return out
}

func exprFieldNames(t reflect.Type) []string {
	var out []string
	for _, f := range exprFields(t) {
		out = append(out, f.name)
	}
	return out
}

// contextRow is one row of the documented context: a path as a playbook
// writes it (steps.<id>.output) and the struct it names, if any.
type contextRow struct {
	path   string
	fields []string // of the struct the path names; nil for plain values
}

// contextRows walks Env: a map of structs gives a row per field of the
// struct (steps.<id>.output), any other map one row for its entries
// (inputs.<name>), a struct one row listing its fields (run).
func contextRows() []contextRow {
	var rows []contextRow
	for _, f := range exprFields(reflect.TypeFor[Env]()) {
		t := f.typ
		switch {
		case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Struct:
			for _, sub := range exprFields(t.Elem()) {
				rows = append(rows, contextRow{path: f.name + ".<id>." + sub.name, fields: structFields(sub.typ)})
			}
		case t.Kind() == reflect.Map:
			rows = append(rows, contextRow{path: f.name + ".<name>"})
		default:
			rows = append(rows, contextRow{path: f.name, fields: structFields(t)})
		}
	}
	return rows
}

// structFields lists the expr names of a struct's fields (through a
// pointer); nil for anything that is not a context struct (time.Time is a
// value, not a struct expressions look into).
func structFields(t reflect.Type) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeFor[Env]().PkgPath() {
		return nil
	}
	return exprFieldNames(t)
}

func contextStructs() map[string]fieldType {
	out := map[string]fieldType{}
	var visit func(path string, t reflect.Type)
	visit = func(path string, t reflect.Type) {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Map {
			t, path = t.Elem(), path+".<id>"
		}
		if structFields(t) == nil {
			return
		}
		out[t.Name()] = fieldType{name: path, fields: exprFieldNames(t)}
		for _, f := range exprFields(t) {
			visit(path+"."+f.name, f.typ)
		}
	}
	for _, f := range exprFields(reflect.TypeFor[Env]()) {
		visit(f.name, f.typ)
	}
	return out
}

// ContextMarkdown is the table of the expression context in
// docs/playbooks.md.
func ContextMarkdown() string {
	var b strings.Builder
	b.WriteString("| name | what |\n|---|---|\n")
	for _, r := range contextRows() {
		doc := contextDocs[r.path]
		if strings.Contains(doc, "%s") {
			doc = fmt.Sprintf(doc, "`{"+strings.Join(r.fields, ", ")+"}`")
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", r.path, doc)
	}
	return b.String()
}
