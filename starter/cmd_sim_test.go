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
	urlRe := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)`)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NotEmpty(t, url, "printed its address: %s", out.String())
	req, _ := http.NewRequest("GET", url+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "SSWS tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
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
	urlRe := regexp.MustCompile(`globex \(empty seed, 1 service apps\) at (http://127\.0\.0\.1:\d+/orgs/globex)`)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NotEmpty(t, url, "printed each org's URL: %s", out.String())
	assert.Contains(t, out.String(), "acme (demo seed, 0 service apps) at "+strings.TrimSuffix(url, "globex")+"acme")
	req, _ := http.NewRequest("GET", url+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "SSWS tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
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
