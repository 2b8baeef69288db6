package temporalx_test

import (
	"errors"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/temporalx"
)

// isolate clears the TEMPORAL_* environment and points the config file at a
// missing path, so a developer's own settings cannot leak into the test.
func isolate(t *testing.T) {
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "absent.toml"))
}

func TestDefaultsReachTheDevStack(t *testing.T) {
	isolate(t)
	opts, err := temporalx.ClientOptions(nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7233", opts.HostPort)
	require.Equal(t, "default", opts.Namespace)
	require.Nil(t, opts.ConnectionOptions.TLS)
}

func TestEnvironmentWins(t *testing.T) {
	isolate(t)
	t.Setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
	t.Setenv("TEMPORAL_NAMESPACE", "secops")
	t.Setenv("TEMPORAL_API_KEY", "k")
	opts, err := temporalx.ClientOptions(nil)
	require.NoError(t, err)
	require.Equal(t, "temporal.example:7233", opts.HostPort)
	require.Equal(t, "secops", opts.Namespace)
	require.NotNil(t, opts.ConnectionOptions.TLS, "an API key turns TLS on")
	require.NotNil(t, opts.Credentials)
}

func TestUnreachableErrorSaysWhatToDo(t *testing.T) {
	isolate(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	t.Setenv("TEMPORAL_ADDRESS", addr)

	_, err = temporalx.Dial(t.Context(), nil)
	var ue *temporalx.UnreachableError
	require.True(t, errors.As(err, &ue), "got %v", err)
	require.Equal(t, addr, ue.Address)
	require.ErrorContains(t, err, "cannot reach Temporal at "+addr)
	require.ErrorContains(t, err, "make run")
}
