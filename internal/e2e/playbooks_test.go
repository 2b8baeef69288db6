package e2e

// One end-to-end test per shipped playbook (playbooks/*.yaml), each fed its
// example alert from testdata/alerts. Tests share the stack: each mutates
// only users from takeUsers, zones it creates, and 203.0.113.1xx /
// 192.0.2.1xx addresses no other test uses.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// analyst starts the runs; lead approves them (the starter may not).
const (
	analyst = "analyst-e2e"
	lead    = "lead-e2e"
)

// library resolves a shipped playbook by name.
func (s *stack) library(t *testing.T, name string) *playbook.Playbook {
	t.Helper()
	pb, err := s.lib.Resolve(name)
	require.NoError(t, err)
	return pb
}

// alertFor reads a playbook's example alert; edit applies test-specific
// changes to the decoded copy.
func alertFor(t *testing.T, name string, edit func(map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "alerts", name+".json"))
	require.NoError(t, err)
	alert, err := runs.ParseAlert(name, b)
	require.NoError(t, err)
	if edit != nil {
		edit(alert)
	}
	return alert
}

// awaitApproval waits until run id has one pending approval and returns it.
func (s *stack) awaitApproval(t *testing.T, id string) workflows.PendingApproval {
	t.Helper()
	var pending workflows.PendingApproval
	require.Eventually(t, func() bool {
		st, err := runs.Query(context.Background(), s.client, id)
		if err != nil || len(st.PendingApprovals) != 1 {
			return false
		}
		pending = st.PendingApprovals[0]
		return true
	}, 30*time.Second, 50*time.Millisecond, "an approval to be pending in "+id)
	return pending
}

// approve waits for the run's approval, checks what it asks, and decides it.
func (s *stack) approve(t *testing.T, id string, reject bool, check func(workflows.PendingApproval)) {
	t.Helper()
	pending := s.awaitApproval(t, id)
	if check != nil {
		check(pending)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := runs.Approve(ctx, s.client, id, workflows.Decision{Approver: lead, Reject: reject, Comment: "e2e decision"})
	require.NoError(t, err)
}

func (s *stack) user(t *testing.T, id string) oktasim.User {
	t.Helper()
	u, ok := s.sim.Sim().User(id)
	require.True(t, ok, "user %s exists", id)
	return u
}

func (s *stack) zoneHas(zoneID, entry string) bool {
	z, _ := s.sim.Sim().Zone(zoneID)
	return slices.Contains(z.Gateways, entry)
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	}
	return -1
}

func TestPlaybookContainCompromisedUser(t *testing.T) {
	testPlaybookContainCompromisedUser(t, getStackAlone(t))
}

func testPlaybookContainCompromisedUser(t *testing.T, s *stack) {
	users := s.takeUsers(t, 4)

	t.Run("suspend, sign out and reset factors after approval", func(t *testing.T) {
		u := users[0]
		require.NotEmpty(t, s.sim.Sim().Factors(u.ID), "the demo user has MFA factors")
		require.True(t, s.sim.Sim().StartSession(u.ID))
		alert := alertFor(t, "contain-compromised-user", func(a map[string]any) {
			a["id"] = "e2e-contain-" + u.ID
			a["user"].(map[string]any)["login"] = u.Login
		})
		id := s.start(t, runs.Request{Playbook: s.library(t, "contain-compromised-user"), Alert: alert, StartedBy: analyst})
		assert.Equal(t, "contain-compromised-user-e2e-contain-"+u.ID, id, "the run is named after the alert")

		// The starter may not approve their own run.
		require.Eventually(t, func() bool {
			st, err := runs.Query(context.Background(), s.client, id)
			return err == nil && len(st.PendingApprovals) == 1
		}, 30*time.Second, 50*time.Millisecond, "the approval")
		_, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: analyst})
		var refused *runs.RefusedError
		require.True(t, errors.As(err, &refused), "self-approval is refused, got %v", err)
		assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status, "nothing happens before the approval")

		s.approve(t, id, false, func(p workflows.PendingApproval) {
			assert.Equal(t, "approve_suspend", p.Step)
			assert.Equal(t, "suspend", p.ForStep)
			assert.Equal(t, []string{u.ID}, p.Targets, "the approver sees the exact target")
			assert.Contains(t, p.Message, "Suspend, sign out and reset the MFA factors of "+u.Login)
			assert.Contains(t, p.Message, "Impossible travel", "the alert's title is the reason")
			assert.Contains(t, p.Message, "Google Workspace", "the approver sees the apps the account reaches")
		})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, "SUSPENDED", s.user(t, u.ID).Status)
		assert.Zero(t, s.sim.Sim().Sessions(u.ID), "the sessions are ended")
		assert.Empty(t, s.sim.Sim().Factors(u.ID), "the factors are reset")
		assert.Equal(t, "suspend", st.Outputs["action"])
		assert.Equal(t, []any{u.ID}, st.Outputs["contained"])
		assert.Equal(t, "done", st.Outputs["outcome"])
		assert.Equal(t, "ACTIVE", st.Outputs["status_before"])
		assert.Equal(t, []any{u.ID}, st.Outputs["sessions_cleared"])
		assert.Contains(t, asStrings(st.Outputs["factors_reset"]), "sms")
		did := asStrings(st.Outputs["did"])
		require.Len(t, did, 3, "the report says what was done: %v", did)
		assert.Equal(t, "suspended", did[0])
		assert.Equal(t, "ended sessions and OAuth tokens", did[1])
		assert.Contains(t, did[2], "reset MFA factors (")
		assert.Contains(t, asStrings(st.Outputs["groups"]), "Everyone", "the report lists the user's groups")
		assert.Contains(t, asStrings(st.Outputs["apps"]), "Google Workspace", "the report lists the user's apps")
	})

	t.Run("deactivate mode", func(t *testing.T) {
		u := users[3]
		id := s.start(t, runs.Request{Playbook: s.library(t, "contain-compromised-user"),
			Inputs: map[string]any{"login": u.Login, "mode": "deactivate"}, StartedBy: analyst})
		s.approve(t, id, false, func(p workflows.PendingApproval) {
			assert.Equal(t, "approve_deactivate", p.Step)
			assert.Equal(t, "deactivate", p.ForStep)
			assert.Contains(t, p.Message, "Deactivate "+u.Login)
		})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, "DEPROVISIONED", s.user(t, u.ID).Status)
		assert.NotEmpty(t, s.sim.Sim().Factors(u.ID), "deactivate mode leaves the factors alone")
		assert.Equal(t, []any{"deactivated"}, st.Outputs["did"])
		assert.Equal(t, []any{u.ID}, st.Outputs["contained"])
	})

	t.Run("reset mode", func(t *testing.T) {
		u := users[1]
		id := s.start(t, runs.Request{Playbook: s.library(t, "contain-compromised-user"),
			Alert:  alertFor(t, "contain-compromised-user", func(a map[string]any) { delete(a, "id") }),
			Inputs: map[string]any{"login": u.Login, "mode": "reset"}, StartedBy: analyst})
		s.approve(t, id, false, func(p workflows.PendingApproval) {
			assert.Equal(t, "approve_reset", p.Step)
			assert.Equal(t, "reset", p.ForStep)
			assert.Contains(t, p.Message, "Reset the password of "+u.Login, "the input wins over the alert")
		})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, "RECOVERY", s.user(t, u.ID).Status)
		assert.Equal(t, "reset", st.Outputs["action"])
		assert.Equal(t, []any{"reset the password"}, st.Outputs["did"])
		assert.Equal(t, []any{u.ID}, st.Outputs["contained"])
	})

	t.Run("rejected", func(t *testing.T) {
		u := users[2]
		id := s.start(t, runs.Request{Playbook: s.library(t, "contain-compromised-user"),
			Inputs: map[string]any{"login": u.Login}, StartedBy: analyst})
		s.approve(t, id, true, nil)
		st := s.wait(t, id)
		assert.Equal(t, workflows.RunRejected, st.Status)
		assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status)
	})

	t.Run("unknown user", func(t *testing.T) {
		id := s.start(t, runs.Request{Playbook: s.library(t, "contain-compromised-user"),
			Inputs: map[string]any{"login": "nobody-e2e@acme.com"}, StartedBy: analyst})
		st := s.wait(t, id)
		assert.Equal(t, workflows.RunFailed, st.Status)
		assert.Equal(t, "no Okta user with login nobody-e2e@acme.com", st.Error)
	})
}

func TestPlaybookSessionHijackResponse(t *testing.T) {
	testPlaybookSessionHijackResponse(t, getStackAlone(t))
}

func testPlaybookSessionHijackResponse(t *testing.T, s *stack) {
	users := s.takeUsers(t, 2)
	sim := s.sim.Sim()

	t.Run("from the alert", func(t *testing.T) {
		u := users[0]
		require.True(t, sim.StartSession(u.ID))
		require.NotEmpty(t, sim.Factors(u.ID))
		alert := alertFor(t, "session-hijack-response", func(a map[string]any) {
			a["id"] = "e2e-hijack-" + u.ID
			a["user"].(map[string]any)["login"] = u.Login
		})
		id := s.start(t, runs.Request{Playbook: s.library(t, "session-hijack-response"), Alert: alert, StartedBy: analyst})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Zero(t, sim.Sessions(u.ID), "every session ended")
		assert.Empty(t, sim.Factors(u.ID), "every factor reset")
		assert.Equal(t, "PASSWORD_EXPIRED", s.user(t, u.ID).Status)
		assert.Equal(t, []any{u.ID}, st.Outputs["sessions_cleared"])
		assert.Equal(t, []any{u.ID}, st.Outputs["password_expired"])
		assert.Equal(t, "done", st.Outputs["factors_outcome"])
		assert.ElementsMatch(t, st.Outputs["factors_before"], st.Outputs["factors_reset"])
		n, _ := st.Outputs["notification"].(map[string]any)
		require.NotNil(t, n, "the run composes a notification")
		assert.Equal(t, "Session hijack response for "+u.Login, n["subject"])
		text, _ := n["text"].(string)
		assert.Contains(t, text, "Session hijack: session cookie replayed", "the alert's title is the reason")
		assert.Contains(t, text, "ended the Okta sessions of "+u.Login)
		assert.Contains(t, text, "password expired.")
		var cleared bool
		for _, ev := range sim.Events("user.session.clear") {
			for _, tg := range asList(ev["target"]) {
				if m, _ := tg.(map[string]any); m["id"] == u.ID {
					cleared = true
				}
			}
		}
		assert.True(t, cleared, "the System Log records the cleared sessions")
	})

	t.Run("only push factors, password kept", func(t *testing.T) {
		u := users[1]
		id := s.start(t, runs.Request{Playbook: s.library(t, "session-hijack-response"),
			Inputs: map[string]any{"login": u.Login, "factor_types": []any{"push"}, "expire_password": false}, StartedBy: analyst})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status)
		assert.Equal(t, []any{"push"}, st.Outputs["factors_reset"])
		for _, f := range sim.Factors(u.ID) {
			assert.NotEqual(t, "push", f.Type)
		}
		assert.NotEmpty(t, sim.Factors(u.ID), "the other factors stay")
		assert.Equal(t, []any{}, st.Outputs["password_expired"])
	})

	t.Run("plan changes nothing", func(t *testing.T) {
		u := s.takeUsers(t, 1)[0]
		require.True(t, sim.StartSession(u.ID))
		factors, sessions := sim.Factors(u.ID), sim.Sessions(u.ID)
		id := s.start(t, runs.Request{Playbook: s.library(t, "session-hijack-response"),
			Inputs: map[string]any{"login": u.Login}, DryRun: true})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		lines := map[string]string{}
		for _, step := range st.Steps {
			if step.Plan != nil {
				lines[step.ID] = runs.PlanLine(step.Plan)
			}
		}
		assert.Equal(t, map[string]string{
			"end_sessions":  "end the sessions of 1 users: " + u.ID,
			"reset_factors": "reset the MFA factors of 1 users: " + u.ID,
			"expire":        "expire the passwords of 1 users: " + u.ID,
		}, lines)
		assert.Equal(t, sessions, sim.Sessions(u.ID))
		assert.Equal(t, factors, sim.Factors(u.ID))
		assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status)
	})

	t.Run("unknown user", func(t *testing.T) {
		id := s.start(t, runs.Request{Playbook: s.library(t, "session-hijack-response"),
			Inputs: map[string]any{"login": "nobody-hijack@acme.com"}, StartedBy: analyst})
		st := s.wait(t, id)
		assert.Equal(t, workflows.RunFailed, st.Status)
		assert.Equal(t, "no Okta user with login nobody-hijack@acme.com", st.Error)
	})
}

func TestPlaybookBlockMaliciousIPs(t *testing.T) { testPlaybookBlockMaliciousIPs(t, getStackAlone(t)) }

func testPlaybookBlockMaliciousIPs(t *testing.T, s *stack) {
	zone := oktasim.DemoBlockedIPZoneID

	t.Run("from the alert", func(t *testing.T) {
		alert := alertFor(t, "block-malicious-ips", func(a map[string]any) {
			a["id"] = fmt.Sprintf("e2e-block-%d", time.Now().UnixNano())
			a["source_ips"] = []any{"203.0.113.101", "192.0.2.101", "198.51.100.77"} // the last is protected
		})
		id := s.start(t, runs.Request{Playbook: s.library(t, "block-malicious-ips"), Alert: alert})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, zone, st.Outputs["zone_id"], "the existing BLOCKLIST zone is used")
		assert.Equal(t, false, st.Outputs["created_zone"])
		assert.ElementsMatch(t, []any{"203.0.113.101/32", "192.0.2.101/32"}, st.Outputs["blocked"])
		assert.True(t, s.zoneHas(zone, "203.0.113.101/32"))
		assert.True(t, s.zoneHas(zone, "192.0.2.101/32"))
		assert.False(t, s.zoneHas(zone, "198.51.100.77/32"), "protected networks are never blocked")
		assert.Nil(t, st.Outputs["unblock"], "no undo unless unblock_after is given")
	})

	t.Run("unblock after", func(t *testing.T) {
		id := s.start(t, runs.Request{Playbook: s.library(t, "block-malicious-ips"),
			Inputs: map[string]any{"ips": []any{"203.0.113.102"}, "unblock_after": "24h"}})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.True(t, s.zoneHas(zone, "203.0.113.102/32"))
		undo := decode[action.UndoScheduled](t, st.Outputs["unblock"])
		undoID := id + "/undo-block_24h"
		assert.Equal(t, undoID, undo.WorkflowID, "the undo is scheduled")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		desc, err := s.client.DescribeWorkflowExecution(ctx, undoID, "")
		require.NoError(t, err)
		assert.Equal(t, "Running", desc.WorkflowExecutionInfo.Status.String(), "the unblock waits its 24h")
		// Cancelling the undo keeps the block in place.
		require.NoError(t, runs.Cancel(ctx, s.client, undoID))
		assert.True(t, s.zoneHas(zone, "203.0.113.102/32"))
	})

	t.Run("creates a zone when none matches", func(t *testing.T) {
		name := fmt.Sprintf("cordon-e2e-blocklist-%d", time.Now().UnixNano())
		id := s.start(t, runs.Request{Playbook: s.library(t, "block-malicious-ips"),
			Inputs: map[string]any{"ips": []any{"203.0.113.103"}, "zone_name": name}})
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Equal(t, true, st.Outputs["created_zone"])
		z, ok := s.sim.Sim().ZoneByName(name)
		require.True(t, ok, "zone %s was created", name)
		assert.Equal(t, z.ID, st.Outputs["zone_id"])
		assert.Equal(t, "BLOCKLIST", z.Usage)
		assert.Equal(t, []string{"203.0.113.103/32"}, z.Gateways)
		assert.False(t, s.zoneHas(zone, "203.0.113.103/32"), "nothing went to BlockedIpZone")
	})
}

// failedLogin is a System Log event like Okta's for a failed sign-in.
func failedLogin(u oktasim.User, ip string) map[string]any {
	return map[string]any{
		"eventType":      "user.session.start",
		"displayMessage": "User login to Okta",
		"actor":          map[string]any{"id": u.ID, "type": "User", "alternateId": u.Login, "displayName": u.FirstName + " " + u.LastName},
		"client":         map[string]any{"ipAddress": ip, "userAgent": map[string]any{"rawUserAgent": "python-requests/2.31"}},
		"outcome":        map[string]any{"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
		"target":         []any{},
	}
}

func TestPlaybookBruteForceResponse(t *testing.T) {
	testPlaybookBruteForceResponse(t, getStackAlone(t))
}

func testPlaybookBruteForceResponse(t *testing.T, s *stack) {
	victims := s.takeUsers(t, 2)
	bystander := s.takeUsers(t, 1)[0]
	const attacker, prober = "203.0.113.150", "203.0.113.151"
	for i := range 12 {
		s.sim.Sim().AppendEvent(failedLogin(victims[i%2], attacker))
	}
	for range 3 { // below the threshold
		s.sim.Sim().AppendEvent(failedLogin(bystander, prober))
	}
	alert := alertFor(t, "brute-force-response", func(a map[string]any) {
		a["id"] = fmt.Sprintf("e2e-spray-%d", time.Now().UnixNano())
		a["source_ips"] = []any{attacker, prober}
	})
	id := s.start(t, runs.Request{Playbook: s.library(t, "brute-force-response"), Alert: alert,
		Inputs: map[string]any{"window": "1h", "threshold": float64(10)}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)

	assert.EqualValues(t, 15, st.Outputs["failed_signins"], "only the alert's sources count")
	assert.Equal(t, []any{attacker + "/32"}, st.Outputs["blocked_ips"], "canonical CIDR form")
	assert.True(t, s.zoneHas(oktasim.DemoBlockedIPZoneID, attacker+"/32"))
	assert.False(t, s.zoneHas(oktasim.DemoBlockedIPZoneID, prober+"/32"), "below the threshold")
	assert.ElementsMatch(t, []any{victims[0].ID, victims[1].ID}, st.Outputs["targeted_users"])
	assert.ElementsMatch(t, []any{victims[0].ID, victims[1].ID}, st.Outputs["reset_users"])
	for _, v := range victims {
		assert.Equal(t, "RECOVERY", s.user(t, v.ID).Status)
	}
	assert.Equal(t, "ACTIVE", s.user(t, bystander.ID).Status)
}

func TestPlaybookInvestigateUser(t *testing.T) { testPlaybookInvestigateUser(t, getStackAlone(t)) }

func testPlaybookInvestigateUser(t *testing.T, s *stack) {
	s.sim.Sim().ResetRequests()
	id := s.start(t, runs.Request{Playbook: s.library(t, "investigate-user"),
		Alert: alertFor(t, "investigate-user", func(a map[string]any) { a["id"] = fmt.Sprintf("e2e-investigate-%d", time.Now().UnixNano()) })})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)

	user := st.Outputs["user"].(map[string]any)
	assert.Equal(t, oktasim.DemoActiveUserID, user["id"])
	assert.Equal(t, "Jane Doe", user["name"])
	assert.Contains(t, asStrings(st.Outputs["groups"]), "Engineering")
	var ips, countries []string
	for _, e := range asList(st.Outputs["source_ips"]) {
		ips = append(ips, fmt.Sprint(e.(map[string]any)["key"]))
	}
	for _, e := range asList(st.Outputs["countries"]) {
		countries = append(countries, fmt.Sprint(e.(map[string]any)["key"]))
	}
	assert.Contains(t, ips, oktasim.DemoUnusualCountryIP)
	assert.Contains(t, countries, "Nigeria")
	assert.Regexp(t, `^jane\.doe@acme\.com is [A-Z_]+, in \d+ groups \(.*Engineering.*\); last 24h: \d+ events, \d+ failed, from \d+ IPs in \d+ countries \(.*Nigeria.*\); \d+ of those IPs already blocklisted\.$`,
		st.Outputs["summary"])
}

func TestPlaybookOnboardUser(t *testing.T) { testPlaybookOnboardUser(t, getStackAlone(t)) }

func testPlaybookOnboardUser(t *testing.T, s *stack) {
	email := fmt.Sprintf("e2e-onboard-%d@%s", time.Now().UnixNano(), oktasim.DemoDomain)
	support, ok := s.sim.Sim().GroupIDByName("Customer Support")
	require.True(t, ok)
	alert := alertFor(t, "onboard-user", func(a map[string]any) {
		delete(a, "id")
		a["employee"].(map[string]any)["email"] = email
		a["okta"].(map[string]any)["extra_group_ids"] = []any{support}
	})
	pb := s.library(t, "onboard-user")
	id := s.start(t, runs.Request{Playbook: pb, Alert: alert})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)

	uid, _ := st.Outputs["user_id"].(string)
	require.NotEmpty(t, uid)
	u := s.user(t, uid)
	assert.Equal(t, email, u.Login)
	assert.Equal(t, "Priya", u.FirstName)
	assert.NotEqual(t, "STAGED", u.Status, "activated")
	assert.Contains(t, u.Groups, oktasim.DemoEngineeringGroupID)
	assert.Contains(t, u.Groups, support)
	assert.Equal(t, []any{support}, st.Outputs["added_to"])
	assert.Empty(t, st.Outputs["not_added"])
	assert.Equal(t, []any{uid}, st.Outputs["activated"])

	// The same hire again creates nothing.
	id2 := s.start(t, runs.Request{Playbook: pb, Alert: alert})
	st2 := s.wait(t, id2)
	assert.Equal(t, workflows.RunFailed, st2.Status)
	assert.Contains(t, st2.Error, "an Okta user with login "+email+" already exists")
}

func TestPlaybookOffboardUser(t *testing.T) { testPlaybookOffboardUser(t, getStackAlone(t)) }

func testPlaybookOffboardUser(t *testing.T, s *stack) {
	u := s.takeUsers(t, 1)[0]
	alert := alertFor(t, "offboard-user", func(a map[string]any) {
		a["id"] = "e2e-offboard-" + u.ID
		a["employee"].(map[string]any)["email"] = u.Login
	})
	id := s.start(t, runs.Request{Playbook: s.library(t, "offboard-user"), Alert: alert})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)

	got := s.user(t, u.ID)
	assert.Equal(t, "DEPROVISIONED", got.Status)
	var recorded []string
	for _, g := range asList(st.Outputs["groups"]) {
		recorded = append(recorded, g.(map[string]any)["id"].(string))
	}
	assert.ElementsMatch(t, u.Groups, recorded, "every membership was recorded before the deactivation")
	assert.Equal(t, []any{u.ID}, st.Outputs["deactivated"])
}

func TestPlaybookZoneHygiene(t *testing.T) { testPlaybookZoneHygiene(t, getStackAlone(t)) }

func testPlaybookZoneHygiene(t *testing.T, s *stack) {
	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("cordon-e2e-hygiene-%d-", time.Now().UnixNano())
	mk := func(name, ip string) string {
		z, err := oc.CreateZone(ctx, okta.Zone{"type": "IP", "name": prefix + name, "usage": "POLICY",
			"gateways": []any{map[string]any{"type": "CIDR", "value": ip + "/32"}}})
		require.NoError(t, err)
		return z.Str("id")
	}
	stale, kept := mk("stale", "192.0.2.150"), mk("active", "192.0.2.151")
	_, err = oc.DeactivateZone(ctx, stale)
	require.NoError(t, err)

	id := s.start(t, runs.Request{Playbook: s.library(t, "zone-hygiene"),
		Alert:  alertFor(t, "zone-hygiene", func(a map[string]any) { delete(a, "id") }),
		Inputs: map[string]any{"name_prefix": prefix}, StartedBy: analyst})
	s.approve(t, id, false, func(p workflows.PendingApproval) {
		assert.Equal(t, []string{stale}, p.Targets, "only the INACTIVE zone is a candidate")
		assert.Contains(t, p.Message, prefix+"stale")
	})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	_, ok := s.sim.Sim().Zone(stale)
	assert.False(t, ok, "the INACTIVE zone is deleted")
	_, ok = s.sim.Sim().Zone(kept)
	assert.True(t, ok, "the ACTIVE zone stays")
	_, ok = s.sim.Sim().Zone(oktasim.DemoBlockedIPZoneID)
	assert.True(t, ok, "system zones stay")
	assert.Equal(t, []any{stale}, st.Outputs["deleted"])

	var blocked map[string]any
	for _, b := range asList(st.Outputs["blocklists"]) {
		if m := b.(map[string]any); m["id"] == oktasim.DemoBlockedIPZoneID {
			blocked = m
		}
	}
	require.NotNil(t, blocked, "BlockedIpZone is reported")
	// Other tests write to BlockedIpZone concurrently: check the arithmetic, not a count.
	assert.EqualValues(t, 1000, toFloat(blocked["entries"])+toFloat(blocked["free"]))
	assert.InDelta(t, toFloat(blocked["entries"])/10, toFloat(blocked["percent"]), 1e-9)
}

func TestPlaybookHealthCheck(t *testing.T) { testPlaybookHealthCheck(t, getStackAlone(t)) }

func testPlaybookHealthCheck(t *testing.T, s *stack) {
	id := s.start(t, runs.Request{Playbook: s.library(t, "health-check"),
		Alert: alertFor(t, "health-check", func(a map[string]any) { delete(a, "id") })})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "Successful", st.Outputs["status"])
	assert.Equal(t, oktasim.DemoAdminLogin, st.Outputs["token_owner"])
	assert.Regexp(t, `^Passed: connected to Okta as sam\.rivera@acme\.com in \d+ ms$`, st.Outputs["result"])
	b, _ := json.Marshal(st.Outputs)
	t.Logf("outputs: %s", b)
}
