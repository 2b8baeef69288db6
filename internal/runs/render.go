package runs

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/workflows"
)

// WriteJSON prints a status as one indented JSON object.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteText prints a run's status for people: a header, one line per
// step, approvals, plans and outputs.
func WriteText(w io.Writer, st *workflows.RunStatus) {
	fmt.Fprintf(w, "%s  %s v%d  %s\n", st.WorkflowID, st.Playbook, st.Version, StatusLine(st))
	if s := workflows.StarterText(st); s != "" {
		fmt.Fprintf(w, "  started by %s\n", s)
	}
	if st.Connection != "" && st.Connection != connections.Default {
		fmt.Fprintf(w, "  connection %s\n", st.Connection)
	}
	if st.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", st.Error)
	}
	for _, s := range st.Steps {
		what := s.Kind
		if s.Action != "" {
			what = s.Action
		}
		line := fmt.Sprintf("  %-22s %-26s %s%s", s.ID, what, s.Status, stepNote(s))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		if s.Error != nil && s.Status != "succeeded" {
			fmt.Fprintf(w, "      %s\n", errorText(s))
		}
		if a := s.Approval; a != nil {
			fmt.Fprintf(w, "      %s by %s at %s", a.Decision, a.Approver, a.At.Format("2006-01-02 15:04:05Z07:00"))
			if a.Comment != "" {
				fmt.Fprintf(w, ": %q", a.Comment)
			}
			if a.SignedWith != "" {
				fmt.Fprintf(w, " (signed, key %s)", a.SignedWith)
			}
			fmt.Fprintln(w)
		}
		if p := s.Plan; p != nil {
			fmt.Fprintf(w, "      would %s\n", PlanLine(p))
		}
	}
	for _, p := range st.PendingApprovals {
		fmt.Fprintf(w, "  waiting for approval of %s: %s\n", p.Step, p.Message)
		writePending(w, st.WorkflowID, p)
	}
	if len(st.Outputs) > 0 {
		fmt.Fprintln(w, "outputs:")
		keys := make([]string, 0, len(st.Outputs))
		for k := range st.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b, _ := json.Marshal(st.Outputs[k])
			fmt.Fprintf(w, "  %s: %s\n", k, b)
		}
	}
}

// StatusLine is a run's status in words: "succeeded", or "succeeded with
// 143 failed items" when items of list actions failed (a run whose bulk
// steps were partially successful still succeeds, but must not look clean).
func StatusLine(st *workflows.RunStatus) string {
	n := FailedItems(st)
	switch {
	case n == 1:
		return string(st.Status) + " with 1 failed item"
	case n > 1:
		return fmt.Sprintf("%s with %d failed items", st.Status, n)
	}
	return string(st.Status)
}

// FailedItems counts the items of list actions (steps[].output.failed,
// and each foreach item's) that ended failed, for any reason.
func FailedItems(st *workflows.RunStatus) int {
	n := 0
	for _, s := range st.Steps {
		if s.Status == "planned" {
			continue // a dry run's targets, not outcomes
		}
		outs := []any{s.Output}
		if l, ok := s.Output.([]any); ok {
			outs = l
		}
		for _, o := range outs {
			if b, ok := action.DecodeBulk(o); ok {
				n += len(b.Failed)
			}
		}
	}
	return n
}

func errorText(s *workflows.StepStatus) string {
	e := s.Error
	msg := e.Message
	if e.OktaCode != "" {
		msg += fmt.Sprintf(" (Okta %s, HTTP %d)", e.OktaCode, e.HTTPStatus)
	}
	return msg
}

func stepNote(s *workflows.StepStatus) string {
	var notes []string
	if s.Connection != "" {
		notes = append(notes, "on "+s.Connection)
	}
	if s.Items > 0 {
		notes = append(notes, fmt.Sprintf("%d items", s.Items))
	}
	if b, ok := action.DecodeBulk(s.Output); ok {
		ok, fail := len(b.Succeeded), len(b.Failed)
		switch {
		case s.Status == "planned" && ok > 0:
			notes = append(notes, fmt.Sprintf("%d targets", ok))
		case ok+fail > 0:
			notes = append(notes, fmt.Sprintf("%d ok, %d failed", ok, fail))
		}
		if b.Protected > 0 {
			notes = append(notes, fmt.Sprintf("%d protected", b.Protected))
		}
		if u := b.Undo; u != nil && u.WorkflowID != "" && u.At != nil {
			notes = append(notes, "undo at "+u.At.Format(time.RFC3339Nano))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

// PlanLine is one readable line of a plan: "deactivate 3 users: a, b, c".
// The registry's PlanWords phrase it; an action without them shows its
// calls.
func PlanLine(p *workflows.Plan) string {
	a, ok := action.Okta().Lookup(p.Action)
	if !ok || a.PlanWords == "" {
		return strings.ToLower(p.Title) + ": " + strings.Join(p.Calls, "; ")
	}
	s := a.PlanText(p.Params, len(p.Targets))
	if len(p.Targets) > 0 {
		s += ": " + joinMax(p.Targets, 20)
	}
	return s
}

// WritePlan prints the plan of a dry run: what every destructive step
// would do, then the run as usual.
func WritePlan(w io.Writer, st *workflows.RunStatus) {
	fmt.Fprintf(w, "plan for %s v%d (dry run: no Okta writes were made)\n", st.Playbook, st.Version)
	n := 0
	for _, s := range st.Steps {
		if s.Plan != nil {
			n++
			fmt.Fprintf(w, "  %s would %s\n", s.ID, PlanLine(s.Plan))
			if b, ok := action.DecodeBulk(s.Output); ok {
				for _, r := range b.Results {
					if r.Outcome == action.OutcomeProtected {
						fmt.Fprintf(w, "    skipped %s: %s\n", r.ID, r.Message)
					}
				}
			}
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "  no destructive step would run")
	}
	fmt.Fprintln(w)
	WriteText(w, st)
}

// writePending prints what a pending approval would let happen: the
// targets (the first 20 with login and status, and the count), who may
// decide, the deadline and the command that decides.
func writePending(w io.Writer, id string, p workflows.PendingApproval) {
	if len(p.Targets) > 0 {
		what := "targets"
		if p.ForStep != "" {
			what = "targets of " + p.ForStep
		}
		fmt.Fprintf(w, "      %s (%d):\n", what, len(p.Targets))
		for _, line := range workflows.TargetLines(p) {
			fmt.Fprintf(w, "        %s\n", line)
		}
	}
	if line := workflows.ConnectionsLine(p); line != "" {
		fmt.Fprintf(w, "      %s\n", line)
	}
	if len(p.Approvers) > 0 {
		fmt.Fprintf(w, "      approvers: %s\n", strings.Join(p.Approvers, ", "))
	}
	if p.Deadline != nil {
		fmt.Fprintf(w, "      deadline: %s, then %s\n", p.Deadline.UTC().Format("2006-01-02 15:04:05Z"), p.OnTimeout)
	}
	fmt.Fprintf(w, "      decide: %s\n", workflows.DecideHint(id, p))
}
