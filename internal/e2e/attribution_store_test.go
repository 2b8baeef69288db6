package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// Issue 25: a payload store that fails while the workflow stores its
// payloads (here a store directory that cannot be created, as a read-only
// or full volume) must not leave the run silently running with a failing
// status query: the run's payloads stay inline and the run finishes.
func TestBrokenPayloadStoreDoesNotHangTheRun(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	blocked := filepath.Join(t.TempDir(), "store")
	require.NoError(t, os.WriteFile(blocked, []byte("not a directory"), 0o600))
	s, stop := newStackWith(t, oktasim.Options{Token: simToken}, stackOptions{
		store: &payloadstore.Config{Kind: payloadstore.KindFile, Dir: blocked, Threshold: 16 << 10}})
	t.Cleanup(stop)

	// The run's report holds six 220 KB outputs (kept under 1 MiB), over
	// the store's threshold: the workflow stores it when it completes.
	id := s.start(t, runs.Request{Playbook: s.load(t, "big-report.yaml")})
	st := s.waitWithin(t, id, 2*time.Minute)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	got, err := runs.Status(context.Background(), s.client, id)
	require.NoError(t, err, "the status query answers")
	assert.Equal(t, workflows.RunSucceeded, got.Status)
	_, statErr := os.Stat(filepath.Join(blocked, "sha256"))
	assert.Error(t, statErr, "nothing could be stored")
}
