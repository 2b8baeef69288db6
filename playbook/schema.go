package playbook

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/action"
)

// SchemaID is the schema's $id; editors only use it as a name.
const SchemaID = "https://github.com/cordonsec/cordon/docs/playbook.schema.json"

type obj = map[string]any

// Schema returns the JSON Schema (draft 2020-12) of playbooks, generated
// from the format and the action registry, so that yaml-language-server
// completes actions and their parameters. Every action's with: is closed
// and typed through if/then on the action's name. The output is indented
// and stable (keys sorted), so it can be committed and diffed.
func Schema(reg *action.Registry) []byte {
	root := obj{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  SchemaID,
		"title":                "Cordon playbook",
		"description":          "An incident-response playbook run by Cordon. See docs/playbooks.md.",
		"type":                 "object",
		"required":             []string{"name", "steps"},
		"additionalProperties": false,
		"properties": obj{
			"name":        obj{"type": "string", "pattern": namePattern.String(), "description": "Unique kebab-case name."},
			"version":     obj{"type": "integer", "minimum": 1, "description": "Integer bumped on every change (default 1)."},
			"description": obj{"type": "string"},
			"connection":  connectionSchema("The connection (Okta org) the steps act on unless a step or the run names another (default: default)."),
			"inputs": obj{"type": "object", "description": "Typed inputs: from --input, the trigger's with:, or defaults.",
				"propertyNames": obj{"pattern": identPattern.String()}, "additionalProperties": defRef("input")},
			"guardrails": guardrailsSchema(),
			"on":         obj{"type": "array", "description": "Triggers that start the playbook.", "items": defRef("trigger")},
			"steps":      obj{"type": "array", "minItems": 1, "items": defRef("step")},
			"outputs": obj{"type": "object", "description": "Named results, usually expressions over steps.",
				"propertyNames": obj{"pattern": identPattern.String()}},
		},
		"$defs": defs(reg),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(root) // maps of plain values always encode
	return buf.Bytes()
}

// connectionSchema is a connection: value: a plain connection name
// (connections.ValidName's pattern).
func connectionSchema(desc string) obj {
	return obj{"type": "string", "pattern": `^[a-z][a-z0-9-]{0,39}$`, "description": desc}
}

func defRef(name string) obj { return obj{"$ref": "#/$defs/" + name} }

func defs(reg *action.Registry) obj {
	d := obj{
		"expression": obj{"type": "string", "pattern": `^\s*\$\{\{[\s\S]*\}\}\s*$`, "description": "A single ${{ }} expression."},
		"duration":   obj{"type": "string", "pattern": `^(([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+|[0-9]+d)$`, "description": "A Go duration (30s, 10m, 24h, 1h30m) or whole days (7d)."},
		"input":      inputSchema(),
		"trigger":    triggerSchema(),
		"approval":   approvalSchema(),
		"retry":      retrySchema(),
		"step":       stepSchema(reg),
	}
	for _, a := range reg.All() {
		d["with."+a.Name] = withSchema(a)
	}
	outputDefs(reg, d)
	return d
}

func guardrailsSchema() obj {
	return obj{"type": "object", "additionalProperties": false, "description": "Limits the engine enforces on destructive steps.",
		"properties": obj{
			"max_targets":     obj{"type": "integer", "minimum": 1, "description": "Most distinct targets one destructive step may act on."},
			"above_limit":     obj{"enum": []AboveLimit{AboveLimitFail, AboveLimitApproval}, "description": "Past max_targets: fail (default) or ask for an approval listing the targets."},
			"max_depth":       obj{"type": "integer", "minimum": 1, "maximum": MaxChildDepthCeiling, "description": "How deeply playbook: steps may nest below a run of this playbook (default 8)."},
			"max_run_targets": obj{"type": "integer", "minimum": 1, "description": "Most distinct targets the destructive steps of a run and its child runs may act on together (default: the worker's max_run_targets, 4 x its max_targets)."},
		}}
}

func inputSchema() obj {
	return obj{"type": "object", "additionalProperties": false, "required": []string{"type"},
		"properties": obj{
			"type":        obj{"enum": inputTypes},
			"required":    obj{"type": "boolean"},
			"default":     obj{"description": "Literal value used when the input is not given."},
			"description": obj{"type": "string"},
			"allowed":     obj{"type": "array", "description": "The only values accepted."},
		}}
}

func triggerSchema() obj {
	common := obj{
		"if":   obj{"anyOf": []any{obj{"type": "boolean"}, defRef("expression")}},
		"with": obj{"type": "object", "description": "Input values, keyed by declared input."},
	}
	okta := obj{"filter": obj{"type": "string", "description": "Okta System Log filter, e.g. eventType eq \"user.account.lock\"."}}
	for k, v := range common {
		okta[k] = v
	}
	body := func(props obj, doc string) obj {
		return obj{"description": doc, "anyOf": []any{obj{"type": "null"},
			obj{"type": "object", "additionalProperties": false, "properties": props}}}
	}
	return obj{"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": false,
		"properties": obj{
			"webhook":    body(common, "Start on an alert posted to the webhook; expressions see alert."),
			"okta_event": body(okta, "Start on an Okta System Log event; expressions see event (and alert, the same event)."),
		}}
}

func approvalSchema() obj {
	return obj{"type": "object", "additionalProperties": false, "required": []string{"message"},
		"properties": obj{
			"approvers":  obj{"anyOf": []any{obj{"type": "string"}, obj{"type": "array", "items": obj{"type": "string"}}}, "description": "Who may decide; empty means anyone."},
			"message":    obj{"type": "string", "minLength": 1, "description": "What is being approved; may hold expressions."},
			"timeout":    defRef("duration"),
			"on_timeout": obj{"enum": []Decision{Reject, Approve}},
			"allow_self": obj{"type": "boolean", "description": "Let the run's starter approve (default false: four-eyes)."},
		}}
}

func retrySchema() obj {
	return obj{"type": "object", "additionalProperties": false,
		"properties": obj{
			"max_attempts":        obj{"type": "integer", "minimum": 1},
			"initial_interval":    defRef("duration"),
			"max_interval":        defRef("duration"),
			"backoff_coefficient": obj{"type": "number", "minimum": 1},
		}}
}

func stepSchema(reg *action.Registry) obj {
	props := obj{
		"id":                obj{"type": "string", "pattern": idPattern.String()},
		"name":              obj{"type": "string"},
		"if":                obj{"anyOf": []any{obj{"type": "boolean"}, defRef("expression")}, "description": "Run the step only when true."},
		"foreach":           obj{"anyOf": []any{obj{"type": "array"}, defRef("expression")}, "description": "Run the action or playbook once per item; item and index are bound in with:."},
		"concurrency":       obj{"type": "integer", "minimum": 1, "description": "How many foreach items run at once."},
		"continue_on_error": obj{"type": "boolean"},
		"retry":             defRef("retry"),
		"timeout":           defRef("duration"),
		"with":              obj{"type": "object"},
		"max_targets":       obj{"type": "integer", "minimum": 1, "description": "Overrides guardrails.max_targets for this destructive step."},
		"undo_after":        obj{"allOf": []any{defRef("duration")}, "description": "Undo the action after this long (actions with an undo only)."},
		"connection":        connectionSchema("The connection (Okta org) this action or playbook: step acts on; overrides the run's and the playbook's."),
		"action":            obj{"enum": reg.Names(), "description": "An Okta action."},
		"approval":          defRef("approval"),
		"set":               obj{"type": "object", "minProperties": 1, "propertyNames": obj{"pattern": identPattern.String()}, "description": "Set vars.<name>."},
		"wait":              defRef("duration"),
		"fail":              obj{"type": "string", "minLength": 1, "description": "Stop the run as failed with this message."},
		"playbook":          obj{"type": "string", "pattern": namePattern.String(), "description": "A library playbook to run as a child."},
		"parallel":          obj{"type": "array", "minItems": 1, "items": defRef("step"), "description": "Steps that run at once."},
	}
	var oneOf, allOf []any
	for _, k := range kindKeys {
		oneOf = append(oneOf, obj{"required": []string{k}})
	}
	for _, a := range reg.All() {
		allOf = append(allOf, obj{
			"if":   obj{"properties": obj{"action": obj{"const": a.Name}}, "required": []string{"action"}},
			"then": obj{"properties": obj{"with": defRef("with." + a.Name), "action": actionOutputHint(a)}},
		})
	}
	return obj{"type": "object", "required": []string{"id"}, "additionalProperties": false,
		"properties": props, "oneOf": oneOf, "allOf": allOf}
}

// withSchema closes an action's with: to its parameters, typed. Every
// parameter also accepts an expression, typed at run time.
func withSchema(a *action.Action) obj {
	props := obj{}
	var required []string
	for _, p := range a.Params {
		s := paramSchema(p)
		s["description"] = p.Description
		if p.Default != nil {
			s["default"] = p.Default
		}
		if p.Example != nil {
			s["examples"] = []any{p.Example}
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	s := obj{"type": "object", "additionalProperties": false, "properties": props,
		"description": a.Title + ": " + a.Description}
	if required != nil {
		s["required"] = required
	}
	return s
}

func paramSchema(p action.Param) obj {
	expr := defRef("expression")
	switch p.Type {
	case action.TypeInteger:
		if p.AllowAll {
			return obj{"anyOf": []any{intSchema(p), obj{"const": action.AllKeyword}, expr}}
		}
		return obj{"anyOf": []any{intSchema(p), expr}}
	case action.TypeBoolean:
		return obj{"anyOf": []any{obj{"type": "boolean"}, expr}}
	case action.TypeStringList:
		item := obj{"type": "string"}
		if p.Enum != nil {
			item = obj{"anyOf": []any{obj{"enum": enumSpellings(p.Enum)}, expr}}
		}
		return obj{"anyOf": []any{obj{"type": "array", "items": item}, obj{"type": "string"}}}
	case action.TypeIntList:
		return obj{"anyOf": []any{obj{"type": "array", "items": obj{"anyOf": []any{intSchema(p), expr}}}, obj{"type": "string"}}}
	case action.TypeObjectList:
		return obj{"anyOf": []any{obj{"type": "array", "items": obj{"anyOf": []any{obj{"type": "object"}, expr}}}, expr}}
	case action.TypeObject:
		return obj{"anyOf": []any{obj{"type": "object"}, expr}}
	}
	if p.Enum != nil {
		return obj{"anyOf": []any{obj{"enum": enumSpellings(p.Enum)}, expr}}
	}
	return obj{"type": "string"}
}

// enumSpellings offers the spelled, lower and upper forms of allowed
// values: the loader matches them case-insensitively.
func enumSpellings(enum []string) []string {
	var vals []string
	for _, e := range enum {
		for _, v := range []string{e, strings.ToLower(e), strings.ToUpper(e)} {
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	return vals
}

// intSchema is an integer with the parameter's range.
func intSchema(p action.Param) obj {
	s := obj{"type": "integer"}
	if p.Min != nil {
		s["minimum"] = *p.Min
	}
	if p.Max != nil {
		s["maximum"] = *p.Max
	}
	return s
}
