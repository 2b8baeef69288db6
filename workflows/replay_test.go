package workflows

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/payloadstore"
)

// TestReplayRecordedHistories replays runs recorded on a real server
// (make histories) against the current interpreter. A change that alters
// the command sequence of an existing run fails here: gate it with
// workflow.GetVersion instead.
func TestReplayRecordedHistories(t *testing.T) {
	// testdata/histories holds the current recordings (make histories);
	// wave1/ keeps runs recorded before the run contract, canonical
	// targets and attempt envelopes were gated in with GetVersion, and
	// wave2/ runs recorded with one version marker per gate, before
	// versionGates; so the old command sequences stay replayable too.
	files, err := filepath.Glob(filepath.Join("..", "testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "recorded histories (make histories)")
	for _, dir := range []string{"wave1", "wave2"} {
		old, err := filepath.Glob(filepath.Join("..", "testdata", "histories", dir, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, old, "the %s recordings", dir)
		files = append(files, old...)
	}
	in := New(action.Okta())
	logger := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			// Histories may hold claims (payloads kept in the payload
			// store): the recorder copied them here.
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{ExternalStorage: converter.ExternalStorage{
				Drivers: []converter.StorageDriver{payloadstore.NewFileDriver(filepath.Join("..", "testdata", "histories", "payloads"))}}})
			require.NoError(t, err)
			Register(r, in)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}
