package temporalx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/temporalx"
)

func isolateStore(t *testing.T) {
	for _, k := range []string{payloadstore.EnvStore, payloadstore.EnvDir, payloadstore.EnvThreshold} {
		t.Setenv(k, "")
	}
}

// TestPayloadStoreDefaults: a client of the local dev stack shares its file
// store; a client of any other cluster has none unless configured.
func TestPayloadStoreDefaults(t *testing.T) {
	isolate(t)
	isolateStore(t)
	opts, err := temporalx.ClientOptions(nil)
	require.NoError(t, err)
	require.Len(t, opts.ExternalStorage.Drivers, 1)
	require.Equal(t, payloadstore.FileDriverName, opts.ExternalStorage.Drivers[0].Name())
	require.Equal(t, payloadstore.DefaultThreshold, opts.ExternalStorage.PayloadSizeThreshold)

	t.Setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
	opts, err = temporalx.ClientOptions(nil)
	require.NoError(t, err)
	require.Empty(t, opts.ExternalStorage.Drivers, "no store for a cluster unless configured")

	t.Setenv(payloadstore.EnvStore, "file")
	t.Setenv(payloadstore.EnvDir, t.TempDir())
	t.Setenv(payloadstore.EnvThreshold, "65536")
	opts, err = temporalx.ClientOptions(nil)
	require.NoError(t, err)
	require.Len(t, opts.ExternalStorage.Drivers, 1)
	require.Equal(t, 65536, opts.ExternalStorage.PayloadSizeThreshold)

	t.Setenv(payloadstore.EnvStore, "s3")
	_, err = temporalx.ClientOptions(nil)
	require.ErrorIs(t, err, payloadstore.ErrBadConfig, "s3 without a bucket is refused")
}
