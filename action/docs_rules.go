package action

import (
	"fmt"
	"strings"
)

// writeRulesAndOutputs renders the docs' account of parameter rules and
// typed outputs, and the shapes of the Okta objects outputs hold.
func writeRulesAndOutputs(w func(string, ...any), r *Registry) {
	w("\n## Parameter rules\n\n")
	w("Each action's parameters carry their rules in the registry: types, allowed values (for a\n")
	w("list, of each item), ranges, formats, and rules across parameters (requires, excludes,\n")
	w("conditional). `cordon validate` applies them to every value written in the playbook and\n")
	w("reports `file:line:col`; the activity applies the same rules, with the same message, to\n")
	w("values computed at run time, before any Okta call (error type `InvalidInput`). A value\n")
	w("given by an expression is checked when the step runs. They are listed per action below.\n")
	w("\n## Outputs\n\n")
	w("Every action declares the shape of its output (`steps.<id>.output`; a `foreach` step's\n")
	w("output is the list of these). `cordon validate` checks `steps.<id>.output...` paths in\n")
	w("expressions, and `jsonpath(steps.<id>.output, \"...\")` when the path is a literal made of\n")
	w("names, `[*]` and indexes: a field the output does not have is an error listing the fields\n")
	w("it has. Objects marked `...` are open (profiles hold custom attributes; Okta's log\n")
	w("contexts vary), so any field reads there. In a dry run a destructive action's output is\n")
	w("its plan, a bulk result with outcome `planned`, whatever its shape for real.\n")
	w("`cordon schema --outputs` prints the same; the JSON Schema holds each as `output.<action>`.\n\n")
	w("Okta objects in outputs:\n\n")
	for _, s := range r.NamedShapes() {
		w("- **%s:** `%s`\n", s.Name, cell(s.Expand()))
	}
}

// paramRuleText describes a parameter's own rules for the parameter table.
func paramRuleText(p Param) string {
	var parts []string
	if len(p.Enum) > 0 && p.Type == TypeStringList {
		parts = append(parts, "Each item is one of the allowed values.")
	}
	if p.Min != nil {
		parts = append(parts, fmt.Sprintf("At least %d.", *p.Min))
	}
	if p.Max != nil {
		parts = append(parts, fmt.Sprintf("At most %d.", *p.Max))
	}
	switch p.Format {
	case FormatEmail:
		parts = append(parts, "Must be an email address.")
	case FormatIPv4Entry:
		parts = append(parts, "Each entry must be an IPv4 address, CIDR or range.")
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}
