package devserver

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// StartForTest starts an in-memory server on free ports with the UI off and
// stops it when the test ends. It lives outside _test files so end-to-end
// tests in other packages can use it:
//
//	srv := devserver.StartForTest(t, workflows.SearchAttributes())
//	c := srv.NewTestClient(t)
//
// Server logs go to t.Log at error level only (set CORDON_TEST_DEBUG=1 for
// everything), so a failing test shows what the server complained about.
func StartForTest(t testing.TB, attrs map[string]enumspb.IndexedValueType) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	level := slog.LevelError
	if testDebug() {
		level = slog.LevelDebug
	}
	w := &testWriter{t: t}
	// Registered first, so it runs last: after Stop, late server goroutines
	// must not call t.Log on a finished test (that panics).
	t.Cleanup(func() { w.done.Store(true) })
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	srv, err := Start(ctx, Options{FrontendAddr: "127.0.0.1:0", Logger: logger, SearchAttributes: attrs})
	if err != nil {
		t.Fatalf("devserver: %v", err)
	}
	t.Logf("devserver: Temporal started at %s in %s", srv.FrontendAddr(), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("devserver: stop: %v", err)
		}
	})
	return srv
}

// NewTestClient dials srv and closes the client when the test ends.
func (s *Server) NewTestClient(t testing.TB) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.NewClient(ctx, client.Options{})
	if err != nil {
		t.Fatalf("devserver: dial: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// testWriter sends log lines to t.Log so they appear with the failing test.
type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func testDebug() bool { return os.Getenv("CORDON_TEST_DEBUG") != "" }
