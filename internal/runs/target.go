package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/workflows"
)

// Dev stack defaults for resolving logins when no Okta org is configured:
// worker --dev's simulated org (worker/run.go).
const (
	DevSimURL   = "http://127.0.0.1:8089/orgs/acme" // the default connection's org
	DevSimToken = "cordon-dev-token"
)

// TargetOrg is the Okta org `cordon list --target LOGIN` resolves logins
// in: the one the environment names (OKTA_ORG_URL and a token, as for
// the worker), else the dev stack's simulated org (CORDON_SIM_URL,
// CORDON_SIM_TOKEN, defaults DevSimURL and DevSimToken).
func TargetOrg(getenv func(string) string) (okta.Config, error) {
	cfg, err := okta.ConfigFromEnv(getenv)
	if err == nil {
		return cfg, nil
	}
	if !errors.Is(err, okta.ErrNoCredentials) {
		return okta.Config{}, err
	}
	url, token := getenv("CORDON_SIM_URL"), getenv("CORDON_SIM_TOKEN")
	if url == "" {
		url = DevSimURL
	}
	if token == "" {
		token = DevSimToken
	}
	return okta.Config{OrgURL: url, Token: token}, nil
}

// ResolveTarget turns a --target value into what CordonTarget holds: an
// IP address or an Okta ID as given; a login (or any other spelling of a
// user) becomes the user's ID, read from the org. CordonTarget holds the
// IDs the run acted on, however the playbook spelt them.
func ResolveTarget(ctx context.Context, target string, org okta.Config) (string, error) {
	t := strings.TrimSpace(target)
	if _, ok := action.CanonicalID(action.TargetIPs, t); ok {
		return t, nil
	}
	for _, k := range []action.TargetKind{action.TargetUsers, action.TargetGroups, action.TargetZones} {
		if id, ok := action.CanonicalID(k, t); ok {
			return id, nil
		}
	}
	c, err := okta.NewClient(org)
	if err != nil {
		return "", fmt.Errorf("--target %s: %w", t, err)
	}
	_, u, err := c.GetUser(ctx, t)
	switch {
	case errors.Is(err, okta.ErrNotFound):
		return "", fmt.Errorf("--target %s: no Okta user with this login in %s", t, org.OrgURL)
	case err != nil:
		return "", fmt.Errorf("--target %s: cannot resolve the login to a user ID in %s (%v); pass the user's ID, or set OKTA_ORG_URL and OKTA_API_TOKEN", t, org.OrgURL, err)
	}
	return u.ID, nil
}

// TargetsColumn is cordon list's TARGETS: the number of users and IPs the
// run acted on; for a run waiting for approval, also the targets the
// pending approvals name ("0 (1 awaiting approval)"), which CordonTarget
// cannot hold yet because nothing was done to them.
func TargetsColumn(ctx context.Context, c client.Client, s Summary) string {
	n := fmt.Sprint(len(s.Targets))
	if s.Status != workflows.StateWaitingApproval {
		return n
	}
	st, err := Query(ctx, c, s.WorkflowID)
	if err != nil {
		return n
	}
	waiting := 0
	for _, p := range st.PendingApprovals {
		waiting += len(p.Targets)
	}
	if waiting == 0 {
		return n
	}
	return fmt.Sprintf("%s (%d awaiting approval)", n, waiting)
}
