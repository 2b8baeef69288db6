package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// Benchmark setting: a short window so a run takes tens of seconds, not
// the 60 s windows of a real org. The client is not told the window: it
// measures it from the headers.
const (
	benchUsers  = 1000
	benchLimit  = 50
	benchWindow = 2 * time.Second
)

// BenchmarkDeactivate1000 deactivates 1,000 users through the activity,
// retrying it the way Temporal would (after NextRetryDelay, resuming from
// the heartbeat), once with pacing and once with a naive client that only
// reacts to 429s. Run it with:
//
//	go test ./activities/ -run '^$' -bench Deactivate1000 -benchtime 1x
//
// Metrics: window_fraction is requests per window achieved as a fraction of
// the allowed rate (target >= 0.9); share_429 is the fraction of requests
// answered 429 (target <= 0.01).
func BenchmarkDeactivate1000(b *testing.B) {
	modes := []struct {
		name    string
		clients int
		opts    []okta.Option
	}{
		{"paced", 1, nil},
		{"naive", 1, []okta.Option{okta.WithoutPacing()}},
		// Three clients stand for three worker processes: each has its own
		// pacer and sees the others only through the org-wide headers.
		{"paced-3clients", 3, nil},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			for range b.N {
				frac, share, n := deactivateRun(b, m.clients, m.opts...)
				b.ReportMetric(frac, "window_fraction")
				b.ReportMetric(share, "share_429")
				b.ReportMetric(float64(n), "requests")
			}
		})
	}
}

// deactivateRun deactivates benchUsers users per client, every client at
// once, each through its own activity environment.
func deactivateRun(b *testing.B, clients int, opts ...okta.Option) (fraction, share429 float64, requests int) {
	b.Helper()
	b.StopTimer()
	srv := oktasim.NewTestServer(b, oktasim.Options{Token: testToken, Seed: oktasim.SeedEmpty, Users: clients*benchUsers + 50,
		Window: benchWindow, Limits: map[string]int{oktasim.BucketOther: benchLimit}})
	all := benchUserIDs(b, srv.URL(), clients*benchUsers)
	srv.Sim().ResetRequests()

	b.StartTimer()
	errs := make(chan error, clients)
	for i := range clients {
		client, err := okta.NewClient(okta.Config{OrgURL: srv.URL(), Token: testToken}, opts...)
		if err != nil {
			b.Fatal(err)
		}
		go func() { errs <- deactivateWithRetries(client, all[i*benchUsers:(i+1)*benchUsers]) }()
	}
	for range clients {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()

	return requestUse(srv.Sim().Requests())
}

// requestUse reads the simulator's log of deactivations (every POST): the
// achieved rate as a fraction of the allowed one, the share answered 429,
// and the number of requests.
func requestUse(reqs []oktasim.RequestRecord) (fraction, share429 float64, requests int) {
	var ok, limited int
	var first, last time.Time
	for _, r := range reqs {
		if r.Method != http.MethodPost {
			continue
		}
		if r.Status == http.StatusTooManyRequests {
			limited++
			continue
		}
		ok++
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	if ok < 2 {
		return 0, 0, ok + limited
	}
	// (n-1) gaps over the elapsed time estimates the sustained rate.
	rate := float64(ok-1) / last.Sub(first).Seconds()
	allowed := float64(benchLimit) / benchWindow.Seconds()
	return rate / allowed, float64(limited) / float64(ok+limited), ok + limited
}

// deactivateWithRetries runs okta.deactivate_users over ids, retrying the
// activity the way Temporal would: after the error's NextRetryDelay, with
// the last heartbeat's details. It fails when an item ends failed.
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
		val, err := env.ExecuteActivity(spec.DeactivateUsers, spec.Request{Params: map[string]any{spec.ParamUserIDs: ids}})
		if err == nil {
			var res spec.BulkResult
			if err := val.Get(&res); err != nil {
				return err
			}
			if len(res.Failed) > 0 {
				return fmt.Errorf("%d items failed: %+v", len(res.Failed), res.Results[0])
			}
			return nil
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

// BenchmarkNodeSDKPeer is the peer figure for BenchmarkDeactivate1000:
// Okta's official Node SDK (@okta/okta-sdk-nodejs 8.1.0, default retries)
// deactivating the same 1,000 users, 8 requests at a time, at the same
// limit. It needs npm (the SDK is installed once into the user's cache
// directory, never into the repository) and is skipped without it:
//
//	go test ./activities/ -run '^$' -bench NodeSDKPeer -benchtime 1x
func BenchmarkNodeSDKPeer(b *testing.B) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		b.Skip("npm is not installed: the Node SDK peer figure needs node and npm")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not installed: the Node SDK peer figure needs node and npm")
	}
	dir := nodeSDKDir(b, npm)
	for range b.N {
		b.StopTimer()
		srv := oktasim.NewTestServer(b, oktasim.Options{Token: testToken, Seed: oktasim.SeedEmpty, Users: benchUsers + 50,
			Window: benchWindow, Limits: map[string]int{oktasim.BucketOther: benchLimit}})
		ids := benchUserIDs(b, srv.URL(), benchUsers)
		lines := make([]string, len(ids))
		for i, id := range ids {
			lines[i] = id.(string)
		}
		idsFile := filepath.Join(b.TempDir(), "ids")
		if err := os.WriteFile(idsFile, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			b.Fatal(err)
		}
		srv.Sim().ResetRequests()
		cmd := exec.Command(nodeBin, filepath.Join(dir, "deactivate.mjs"))
		cmd.Env = append(os.Environ(), "ORG_URL="+srv.URL(), "OKTA_TOKEN="+testToken, "IDS_FILE="+idsFile, "CONCURRENCY=8")
		b.StartTimer()
		out, err := cmd.Output()
		b.StopTimer()
		if err != nil {
			b.Fatalf("node: %v: %s", err, out)
		}
		var res struct{ OK, Failed int }
		if err := json.Unmarshal(out, &res); err != nil {
			b.Fatalf("node printed %q: %v", out, err)
		}
		frac, share, n := requestUse(srv.Sim().Requests())
		b.ReportMetric(frac, "window_fraction")
		b.ReportMetric(share, "share_429")
		b.ReportMetric(float64(n), "requests")
		b.ReportMetric(float64(res.Failed), "failed_items")
	}
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
