package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// deactivateWithRetries runs okta.deactivate_users over ids, retrying the
// activity the way Temporal would: after the error's NextRetryDelay, with
// the last heartbeat's details. Items that end failed are not an error
// here: the benchmarks count them on the simulated org.
func deactivateWithRetries(client *okta.Client, ids []any) error {
	acts := testActivities(client, nil)
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)
	var mu sync.Mutex
	var beat converter.EncodedValues
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		mu.Lock()
		beat = d
		mu.Unlock()
	})
	for attempt := 1; ; attempt++ {
		val, err := env.ExecuteActivity(action.DeactivateUsers, action.Request{Params: map[string]any{action.ParamUserIDs: ids}})
		if err == nil {
			var res action.BulkResult
			if err := val.Get(&res); err != nil {
				return err
			}
			return nil // failed items are counted on the org
		}
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.NonRetryable() || attempt > 500 {
			return fmt.Errorf("attempt %d: %w", attempt, err)
		}
		// Temporal's retry timer, without a server: wait NextRetryDelay
		// and retry with the last heartbeat's details.
		<-time.After(ae.NextRetryDelay())
		mu.Lock()
		var details bulkProgress
		if beat != nil {
			_ = beat.Get(&details)
		}
		mu.Unlock()
		env.SetHeartbeatDetails(details)
	}
}

func benchUserIDs(b *testing.B, url string, n int) []any {
	b.Helper()
	// A client of its own, so the listing leaves no trace in the measured
	// clients' pacers.
	c, err := okta.NewClient(okta.Config{OrgURL: url, Token: testToken})
	if err != nil {
		b.Fatal(err)
	}
	raws, err := c.ListUsers(context.Background(), `status eq "ACTIVE"`, n)
	if err != nil {
		b.Fatal(err)
	}
	if len(raws) < n {
		b.Fatalf("the sim has %d active users, want %d", len(raws), n)
	}
	ids := make([]any, 0, len(raws))
	for _, r := range raws {
		var u okta.User
		_ = json.Unmarshal(r, &u)
		ids = append(ids, u.ID)
	}
	return ids
}

// nodeSDKDir installs the Node SDK script's dependencies once into the
// user's cache directory and returns the directory.
func nodeSDKDir(b *testing.B, npm string) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cordon", "nodesdk-peer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, f := range []string{"package.json", "deactivate.mjs"} {
		data, err := os.ReadFile(filepath.Join("testdata", "nodesdk", f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@okta", "okta-sdk-nodejs")); err != nil {
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Skipf("npm install of the Okta Node SDK failed (offline?): %v\n%s", err, out)
		}
	}
	return dir
}
