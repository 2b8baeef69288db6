package main

import (
	"context"
	"net/http"
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
