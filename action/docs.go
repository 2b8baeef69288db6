package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Markdown renders docs/actions.md: the reference of every action, from
// the registry alone. docs_test.go keeps the committed file current.
func (r *Registry) Markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Actions\n\n")
	w("<!-- Generated from the action registry (package action) by `go test ./action/ -update`. Do not edit. -->\n\n")
	w("Every Okta action a playbook step can name in `action:`, with its parameters, output,\n")
	w("guardrail behaviour, the Okta admin roles its API token needs, and its default timeout\n")
	w("and retry policy. `cordon schema` gives editors the same parameters.\n\n")
	w("| action | title | destructive | undo |\n|---|---|---|---|\n")
	for _, a := range r.All() {
		w("| [`%s`](#%s) | %s | %s | %s |\n", a.Name, anchor(a.Name), a.Title, yesNo(a.Destructive), orDash(code(a.Undo)))
	}
	w("\n## Errors\n\n")
	w("A failed action fails its step (unless `continue_on_error: true`) with the integration\n")
	w("spec's message form, and exposes `steps.<id>.error.{message, okta_code, http_status}`:\n\n")
	w("```\n<Title> failed. Okta Code: E0000007. HTTP Status Code: 404. Message: User ID Not Found.\n```\n\n")
	w("Bulk actions (a list of users, IPs or zones) do not fail on one bad item: each item gets\n")
	w("a result `{id, ok, outcome, okta_code, http_status, message, by}` (`by`: who made a change the step found in place, from the System Log) and the step is\n")
	w("`partially_succeeded` when some items failed. Retried writes are idempotent: an item\n")
	w("already in the wanted state is reported with an `already_*` outcome, not as a failure.\n")
	w("Targets are canonicalised before the guardrails see them (Okta IDs, canonical CIDRs;\n")
	w("see runs.md): a protected one is reported with outcome `protected`, one that names no\n")
	w("user, group or zone with outcome `not_found`, and neither is sent to Okta.\n\n")
	w("The activity's error type decides retries (a run's own failure types, last, are never retried):\n\n| error type | retried | when |\n|---|---|---|\n")
	for _, e := range errorTypes {
		w("| `%s` | %s | %s |\n", e.Name, e.Retried, e.When)
	}
	w("\nA step's `retry:` and `timeout:` override the defaults listed per action below.\n")
	w("\n## Required Okta admin roles and OAuth scopes\n\n")
	w("An SSWS API token inherits its owner's admin roles: any one of the listed roles suffices.\n")
	w("An OAuth 2.0 service app (docs/operations.md, Connections) needs every listed scope: the\n")
	w("scopes of each Management API operation a step may call, its lookups, guardrail checks\n")
	w("and read-backs included, taken from Okta's OpenAPI spec (the `.read` scope when an\n")
	w("operation accepts it). A connection requests the union of the scopes of the actions its\n")
	w("playbooks use, unless it lists its own `scopes:`.\n\n")
	w("| action | roles | OAuth scopes |\n|---|---|---|\n")
	for _, a := range r.All() {
		w("| `%s` | %s | %s |\n", a.Name, strings.Join(a.Roles, ", "), code(strings.Join(a.Scopes, "`, `")))
	}
	w("\n## Protected profile fields\n\n`%s` never changes these attributes unless the step names an\n", UpdateUserProfile)
	w("allowable one in `allow_fields`; the others it never changes.\n\n| attribute | allowable | why |\n|---|---|---|\n")
	for _, f := range ProtectedProfileFields {
		w("| `%s` | %s | %s |\n", f.Name, yesNo(f.Allowable), f.Why)
	}
	writeRulesAndOutputs(w, r)
	for _, a := range r.All() {
		writeAction(&b, a)
	}
	return b.Bytes()
}

func writeAction(b *bytes.Buffer, a *Action) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("\n## %s\n\n**%s.** %s\n\n", a.Name, a.Title, a.Description)
	w("Okta call: `%s`\n\n", a.Method)
	if len(a.Params) == 0 {
		w("No parameters.\n\n")
	} else {
		w("| parameter | type | required | default | allowed values | description | example |\n|---|---|---|---|---|---|---|\n")
		for _, p := range a.Params {
			desc := p.Description
			if p.MaxItems > 0 {
				desc += fmt.Sprintf(" At most %d items.", p.MaxItems)
			}
			desc += paramRuleText(p)
			enum := "-"
			if len(p.Enum) > 0 {
				enum = "`" + strings.Join(p.Enum, "`, `") + "`"
			}
			def := "-"
			if p.Default != nil {
				def = "`" + jsonText(p.Default) + "`"
			}
			w("| `%s` | %s | %s | %s | %s | %s | `%s` |\n", p.Name, p.Type, yesNo(p.Required), def, enum, cell(desc), cell(jsonText(p.Example)))
		}
		w("\n")
	}
	w("- **Output:** %s\n", cell(a.Output))
	if a.OutputShape != nil {
		w("- **Output shape:** `%s`\n", cell(a.OutputShape.String()))
	}
	for _, r := range a.Rules {
		w("- **Rule (%s):** %s\n", r.Kind(), cell(r.String()))
	}
	if a.Destructive {
		targets := "-"
		if a.Targets != nil {
			targets = fmt.Sprintf("%s from `%s`", a.Targets.Kind, a.Targets.Param)
		}
		w("- **Destructive:** yes. Targets: %s (canonicalised, counted against `max_targets`, checked against protected targets; planned, not run, in a dry run)\n", targets)
		for _, g := range a.Guards {
			w("- **Guarded:** `%s` (%s): canonicalised and checked too; a protected value refuses the step before any write\n", g.Param, g.Kind)
		}
	} else {
		w("- **Destructive:** no (runs for real in a dry run)\n")
	}
	if a.Undo != "" {
		w("- **Undo:** `%s` (with `undo_after:`)\n", a.Undo)
	}
	if e := RetryEffects[a.Name]; e != "" {
		w("- **On a retry:** %s\n", cell(e))
	}
	if rb := a.ReadBack; rb != nil {
		w("- **Read-back:** %s\n", rb.Describe())
	}
	w("- **Roles:** %s\n", strings.Join(a.Roles, ", "))
	if len(a.Scopes) > 0 {
		w("- **OAuth scopes:** `%s` (calls: %s)\n", strings.Join(a.Scopes, "`, `"), opList(a.Ops))
	}
	w("- **Timeout:** %s per attempt", dur(a.StartToCloseTimeout))
	if a.Heartbeat > 0 {
		w(", heartbeat %s", dur(a.Heartbeat))
	}
	w("\n- **Retry:** at most %d attempts, first after %s, backoff x%g, at most %s apart\n",
		a.Retry.MaximumAttempts, dur(a.Retry.InitialInterval), a.Retry.BackoffCoefficient, dur(a.Retry.MaximumInterval))
	w("\n```yaml\n- id: step\n  action: %s\n", a.Name)
	if len(a.Example) > 0 {
		w("  with:\n")
		keys := make([]string, 0, len(a.Example))
		for k := range a.Example {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return paramIndex(a, keys[i]) < paramIndex(a, keys[j]) })
		for _, k := range keys {
			w("    %s: %s\n", k, jsonText(a.Example[k]))
		}
	}
	w("```\n")
}

func opList(ops []Op) string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = "`" + o.String() + "`"
	}
	return strings.Join(parts, ", ")
}

func paramIndex(a *Action, name string) int {
	for i, p := range a.Params {
		if p.Name == name {
			return i
		}
	}
	return len(a.Params)
}

// jsonText renders a value as compact JSON, which is also valid YAML.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func dur(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func anchor(name string) string { return strings.NewReplacer(".", "", "_", "_").Replace(name) }

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
