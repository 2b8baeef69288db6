package notify

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/workflows"
)

type receiver struct {
	mu     sync.Mutex
	bodies []string
	status int
}

func (rc *receiver) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, string(b))
		status := rc.status
		rc.mu.Unlock()
		if status != 0 {
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

var notice = workflows.ApprovalNotice{Run: "contain-SIEM-1", Playbook: "contain", Step: "approve",
	Message: "Deactivate <@channel> jane?", TargetCount: 1, TargetLines: []string{"00u1  jane@acme.com  ACTIVE"},
	Approvers: []string{"group:SOC Leads"}, Link: "https://cordon.acme.com/approvals/contain-SIEM-1"}

func run(t *testing.T, n *Notifier, done []int) error {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(n.Approval, activity.RegisterOptions{Name: workflows.NotifyActivity})
	if done != nil {
		env.SetHeartbeatDetails(done)
	}
	_, err := env.ExecuteActivity(workflows.NotifyActivity, notice)
	return err
}

func TestPostsSlackAndJSON(t *testing.T) {
	var slack, plain receiver
	s, p := slack.server(t), plain.server(t)
	n := &Notifier{Hooks: []Hook{{URL: s.URL + "/services/T0/B0/secret", Format: FormatSlack}, {URL: p.URL, Format: FormatJSON}}}
	require.NoError(t, run(t, n, nil))

	require.Len(t, slack.bodies, 1)
	var msg map[string]string
	require.NoError(t, json.Unmarshal([]byte(slack.bodies[0]), &msg))
	assert.Equal(t, ":raised_hand: *Approval needed*: Deactivate &lt;@channel&gt; jane? (playbook contain, run `contain-SIEM-1`, step `approve`)\n"+
		"Targets (1):\n• 00u1  jane@acme.com  ACTIVE\nApprovers: group:SOC Leads\n"+
		"<https://cordon.acme.com/approvals/contain-SIEM-1|Decide on the approvals page>", msg["text"])

	require.Len(t, plain.bodies, 1)
	var got workflows.ApprovalNotice
	require.NoError(t, json.Unmarshal([]byte(plain.bodies[0]), &got))
	assert.Equal(t, notice.Run, got.Run)
	assert.Equal(t, notice.TargetLines, got.TargetLines)
}

func TestFailedHookIsRetriedAloneAndNeverNamed(t *testing.T) {
	var ok, bad receiver
	bad.status = http.StatusInternalServerError
	o, b := ok.server(t), bad.server(t)
	n := &Notifier{Hooks: []Hook{{URL: o.URL, Format: FormatJSON}, {URL: b.URL + "/services/T0/B0/secret-token", Format: FormatSlack}}}
	err := run(t, n, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "notification to "+b.URL+"/…: HTTP 500")
	assert.NotContains(t, err.Error(), "secret-token", "a hook's URL is a secret")

	// The retry carries the hooks already reached: only the failed one is posted again.
	bad.status = 0
	require.NoError(t, run(t, n, []int{0}))
	assert.Len(t, ok.bodies, 1)
	assert.Len(t, bad.bodies, 2)
}

func TestParseHooks(t *testing.T) {
	hooks, err := ParseHooks("slack:https://hooks.slack.com/services/T/B/x, json:http://127.0.0.1:9/h")
	require.NoError(t, err)
	assert.Equal(t, []Hook{{URL: "https://hooks.slack.com/services/T/B/x", Format: FormatSlack}, {URL: "http://127.0.0.1:9/h", Format: FormatJSON}}, hooks)
	_, err = ParseHooks("teams:https://x.example/secret")
	assert.EqualError(t, err, `notification hook "(unparseable URL)": write slack:URL or json:URL`)
	_, err = ParseHooks("slack:ftp://x.example/secret")
	assert.EqualError(t, err, "notification hook ftp://x.example/…: not an http(s) URL")
	hooks, err = ParseHooks("")
	require.NoError(t, err)
	assert.Empty(t, hooks)
}
