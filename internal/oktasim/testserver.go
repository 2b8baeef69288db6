package oktasim

import "testing"

// NewTestServer starts a simulated org on a loopback port for the test and
// closes it on t.Cleanup, like httptest.NewServer. An empty Token defaults
// to "test-token".
func NewTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = "test-token"
	}
	srv, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("oktasim: start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}
