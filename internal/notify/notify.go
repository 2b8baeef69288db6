// Package notify posts approval notices to outgoing webhooks: Slack-
// compatible ({"text": ...}, also understood by Mattermost, Rocket.Chat
// and Teams' incoming webhooks via their Slack mode) and plain JSON (the
// notice itself). It implements the workflow's notification activity; a
// failed delivery is retried by Temporal and never holds a run up.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/workflows"
)

// Formats of a hook.
const (
	FormatSlack = "slack"
	FormatJSON  = "json"
)

// Hook is one outgoing webhook. Its URL is a secret (Slack's carry the
// token in the path): errors and logs name only its host.
type Hook struct {
	URL    string
	Format string // FormatSlack or FormatJSON
}

// ParseHooks reads hooks written FORMAT:URL (slack:https://hooks.slack.com/...,
// json:https://soar.acme.com/cordon), comma-separated.
func ParseHooks(list string) ([]Hook, error) {
	var out []Hook
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		format, raw, ok := strings.Cut(item, ":")
		if !ok || (format != FormatSlack && format != FormatJSON) {
			return nil, fmt.Errorf("notification hook %q: write slack:URL or json:URL", redact(item))
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("notification hook %s: not an http(s) URL", redact(raw))
		}
		out = append(out, Hook{URL: raw, Format: format})
	}
	return out, nil
}

// Notifier delivers approval notices to its hooks.
type Notifier struct {
	Hooks []Hook
	// Client posts; default a client with a 10 s timeout.
	Client *http.Client
}

// Approval is the workflows.NotifyActivity: it posts the notice to every
// hook not yet reached. Hooks that took it are remembered in the
// activity's heartbeat details, so a retry after one failed hook does not
// post twice to the others.
func (n *Notifier) Approval(ctx context.Context, notice workflows.ApprovalNotice) error {
	if n == nil || len(n.Hooks) == 0 {
		return nil
	}
	var done []int
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &done)
	}
	var errs []error
	for i, h := range n.Hooks {
		if slices.Contains(done, i) {
			continue
		}
		if err := n.post(ctx, h, notice); err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, i)
		activity.RecordHeartbeat(ctx, done)
	}
	return errors.Join(errs...)
}

func (n *Notifier) post(ctx context.Context, h Hook, notice workflows.ApprovalNotice) error {
	var body any = notice
	if h.Format == FormatSlack {
		body = map[string]string{"text": SlackText(notice)}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("notification to %s: %s", redact(h.URL), "bad request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cordon-notify")
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the secret URL
		}
		return fmt.Errorf("notification to %s: %v", redact(h.URL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notification to %s: HTTP %d", redact(h.URL), resp.StatusCode)
	}
	return nil
}

// SlackText is the notice as one Slack message (mrkdwn).
func SlackText(n workflows.ApprovalNotice) string {
	var b strings.Builder
	if n.Kind == workflows.NoticeUndoFailed {
		fmt.Fprintf(&b, ":warning: *Undo failed*: %s (run `%s`)\n", slackEscape(n.Message), n.Run)
		for _, l := range n.TargetLines {
			fmt.Fprintf(&b, "• %s\n", slackEscape(l))
		}
		return b.String()
	}
	fmt.Fprintf(&b, ":raised_hand: *Approval needed*: %s (playbook %s, run `%s`, step `%s`)\n", slackEscape(n.Message), n.Playbook, n.Run, n.Step)
	if n.TargetCount > 0 {
		fmt.Fprintf(&b, "Targets (%d):\n", n.TargetCount)
		for _, l := range n.TargetLines {
			fmt.Fprintf(&b, "• %s\n", slackEscape(l))
		}
	}
	if n.Connections != "" {
		fmt.Fprintf(&b, "Okta org: %s\n", slackEscape(n.Connections))
	}
	if len(n.Approvers) > 0 {
		fmt.Fprintf(&b, "Approvers: %s\n", slackEscape(strings.Join(n.Approvers, ", ")))
	}
	if n.Deadline != nil {
		fmt.Fprintf(&b, "Deadline: %s\n", n.Deadline.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if n.Link != "" {
		fmt.Fprintf(&b, "<%s|Decide on the approvals page>", n.Link)
	} else {
		decide := n.Decide
		if decide == "" { // a notice from a worker before DecideHint
			decide = fmt.Sprintf("cordon approve %s --step %s", n.Run, n.Step)
		}
		fmt.Fprintf(&b, "Decide: `%s`", decide)
	}
	return b.String()
}

// slackEscape keeps alert text from forming Slack links or mentions.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// redact names a hook by scheme and host only.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparseable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
