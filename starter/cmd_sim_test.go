package main

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/testutil"
)

func TestSimServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newApp().Run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--token", "tok", "--seed", "empty"},
			cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &out})
	}()
	url := printedURL(t, &out, `at (http://127\.0\.0\.1:\d+)`)
	assertServesToken(t, url, "tok")
	cancel()
	assert.Equal(t, 0, <-done)
}

func TestSimRejectsUnknownSeed(t *testing.T) {
	code, _, stderr := runCordon(t, "sim", "--seed", "huge")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--seed must be demo or empty, not "huge"`)
}

func TestSimHostsSeveralOrgs(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out testutil.SyncBuffer
	done := make(chan int, 1)
	app := t.TempDir() + "/app.json"
	require.NoError(t, os.WriteFile(app, []byte(`{"clientId":"0oasimcli","scopes":["okta.users.read"],"keys":[`+
		`{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`), 0o600))
	go func() {
		done <- newApp().Run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--token", "tok",
			"--org", "acme", "--org", "globex:empty", "--service-app", "globex=" + app},
			cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &out})
	}()
	url := printedURL(t, &out, `globex \(empty seed, 1 service apps\) at (http://127\.0\.0\.1:\d+/orgs/globex)`)
	assert.Contains(t, out.String(), "acme (demo seed, 0 service apps) at "+strings.TrimSuffix(url, "globex")+"acme")
	assertServesToken(t, url, "tok")
	cancel()
	assert.Equal(t, 0, <-done)
}

func TestSimRejectsBadOrgsAndApps(t *testing.T) {
	code, _, stderr := runCordon(t, "sim", "--org", "acme:huge")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--org acme:huge: the seed must be demo or empty, not "huge"`)
	code, _, stderr = runCordon(t, "sim", "--org", "acme", "--service-app", "initech=/nonexistent.json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--service-app initech=/nonexistent.json")
	bad := t.TempDir() + "/bad.json"
	require.NoError(t, os.WriteFile(bad, []byte(`{"clientId":"x","keys":[],"scopes":["a"]}`), 0o600))
	code, _, stderr = runCordon(t, "sim", "--org", "acme", "--service-app", "acme="+bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "service app x: at least one public key is required")
}

// printedURL waits up to 10 s for cordon sim to print a line matching
// pattern and returns its first group, the org's URL.
func printedURL(t *testing.T, out *testutil.SyncBuffer, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NotEmpty(t, url, "printed the org's URL: %s", out.String())
	return url
}

// assertServesToken checks that the org at url answers its token owner.
func assertServesToken(t *testing.T, url, token string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "SSWS "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
