package workflows

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// Visible waiting: a run says what it waits for where people look. The
// CordonState search attribute lets the Temporal UI and `cordon list`
// filter runs by state (CordonState = "waiting_approval"); the workflow's
// current details (Markdown, shown on the run's page in the Temporal UI)
// name the step, message, targets, deadline and how to decide; the
// approval's timer is summarised as "approval STEP: timeout 30m".

// Run states CordonState holds besides the run statuses (running,
// succeeded, failed, rejected, cancelled).
const (
	StateWaitingApproval RunState = "waiting_approval"
	// StatePlanned: a dry run that completed; nothing was changed.
	StatePlanned RunState = "planned"
)

// States lists every value CordonState takes, for `cordon list --status`.
var States = []RunState{RunRunning, StateWaitingApproval, RunSucceeded, RunFailed, RunRejected, RunCancelled, StatePlanned}

// setState makes CordonState say state; nothing is written when it does
// already (a run started by cordon run starts as running).
func (r *run) setState(ctx workflow.Context, state RunState) error {
	if !r.visible {
		return nil
	}
	if v, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(SearchState); ok && v == string(state) {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, SearchState.ValueSet(string(state)))
}

// showWaiting brings CordonState and the current details up to date with
// the pending approvals: waiting_approval while any waits, running after.
func (r *run) showWaiting(ctx workflow.Context) error {
	if !r.visible {
		return nil
	}
	workflow.SetCurrentDetails(ctx, r.waitingDetails())
	if len(r.status.PendingApprovals) > 0 {
		return r.setState(ctx, StateWaitingApproval)
	}
	return r.setState(ctx, RunRunning)
}

// showFinal records the run's final state; the current details are
// cleared, since nothing waits any more.
func (r *run) showFinal(ctx workflow.Context) error {
	state := r.status.Status
	if state == RunSucceeded && r.input.Options.DryRun {
		state = StatePlanned
	}
	count(ctx, MetricRunsFinished, map[string]string{"playbook": r.pb.Name, "status": string(state)})
	if !r.visible {
		return nil
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx) // a cancelled run still says so
	workflow.SetCurrentDetails(dctx, "")
	return r.setState(dctx, state)
}

// TimerSummary is the summary of an approval's timeout timer.
func TimerSummary(step string, t time.Duration) string {
	return fmt.Sprintf("approval %s: timeout %s", step, ShortDuration(t))
}

// ShortDuration prints 30m rather than Go's 30m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// waitingDetails renders the pending approvals as Markdown for the
// Temporal UI. Messages and targets come from alerts and Okta, so they are
// escaped: an alert cannot plant a link in the page.
func (r *run) waitingDetails() string {
	if len(r.status.PendingApprovals) == 0 {
		return ""
	}
	var b strings.Builder
	id := r.status.WorkflowID
	for i, p := range r.status.PendingApprovals {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		fmt.Fprintf(&b, "### Waiting for approval: step `%s`\n\n", p.Step)
		fmt.Fprintf(&b, "%s\n\n", mdEscape(p.Message))
		b.WriteString(TargetsMarkdown(p))
		who := "anyone except the run's starter"
		if len(p.Approvers) > 0 {
			who = mdEscape(strings.Join(p.Approvers, ", "))
		}
		fmt.Fprintf(&b, "**Approvers:** %s\n\n", who)
		if s := StarterText(r.status); s != "" {
			fmt.Fprintf(&b, "**Started by:** %s (may not approve)\n\n", mdEscape(s))
		}
		if p.Deadline != nil {
			fmt.Fprintf(&b, "**Deadline:** %s, then %s\n\n", p.Deadline.UTC().Format("2006-01-02 15:04:05 UTC"), p.OnTimeout)
		} else {
			b.WriteString("**Deadline:** none; the run waits until someone decides or cancels it\n\n")
		}
		b.WriteString("**Decide:** ")
		if link := ApprovalLink(r.approvalsURL, id); link != "" {
			fmt.Fprintf(&b, "[approvals page](%s), or ", link)
		}
		fmt.Fprintf(&b, "`%s`\n", DecideHint(id, p))
	}
	return b.String()
}

// TargetsMarkdown lists an approval's targets: the first
// action.DescribeLimit with login and status when known, and the count.
func TargetsMarkdown(p PendingApproval) string {
	if len(p.Targets) == 0 {
		return ""
	}
	var b strings.Builder
	what := "Targets"
	if p.ForStep != "" {
		what = fmt.Sprintf("Targets of step `%s`", p.ForStep)
	}
	fmt.Fprintf(&b, "**%s (%d):**\n\n", what, len(p.Targets))
	for _, line := range TargetLines(p) {
		fmt.Fprintf(&b, "- %s\n", mdEscape(line))
	}
	b.WriteString("\n")
	if line := ConnectionsLine(p); line != "" {
		fmt.Fprintf(&b, "The steps %s.\n\n", mdEscape(line))
	}
	return b.String()
}

// TargetLines is one line per shown target ("00u1 alice@example.com
// ACTIVE"), and "... and N more" when there are more than
// action.DescribeLimit. cordon status prints the same lines.
func TargetLines(p PendingApproval) []string {
	info := map[string]action.TargetInfo{}
	for _, t := range p.TargetInfo {
		info[t.ID] = t
	}
	n := min(len(p.Targets), action.DescribeLimit)
	lines := make([]string, 0, n+1)
	for _, id := range p.Targets[:n] {
		parts := []string{id}
		if t, ok := info[id]; ok {
			for _, v := range []string{t.Login, t.Name, t.Status, t.Note} {
				if v != "" {
					parts = append(parts, v)
				}
			}
		}
		lines = append(lines, strings.Join(parts, "  "))
	}
	if more := len(p.Targets) - n; more > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more", more))
	}
	return lines
}

// ApprovalLink is the approvals page of one run, "" when no approvals
// page is configured.
func ApprovalLink(base, workflowID string) string {
	if base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/" + url.PathEscape(workflowID)
}

// mdEscape keeps text literal in Markdown.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
