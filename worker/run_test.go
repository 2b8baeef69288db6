package main

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/payloadstore"
)

// The binary's client of its own embedded server is built by the same
// function the tests and benchmarks dial with (devserver.ClientOptions):
// no gzip over loopback, and the worker's logger, metrics, converter and
// payload store on top.
func TestDevClientOptions(t *testing.T) {
	t.Parallel()
	srv := &devserver.Server{}
	es, err := payloadstore.Config{Kind: payloadstore.KindFile, Dir: t.TempDir()}.ExternalStorage()
	assert.NoError(t, err)
	opts := devClientOptions(srv, slog.New(slog.DiscardHandler), metrics.New(), nil, es)
	assert.Equal(t, &client.GrpcCompressionNone{}, opts.ConnectionOptions.GrpcCompression, "gzip to the embedded server")
	assert.Equal(t, srv.ClientOptions(client.Options{}).ConnectionOptions, opts.ConnectionOptions)
	assert.NotNil(t, opts.Logger)
	assert.NotNil(t, opts.MetricsHandler)
	assert.NotNil(t, opts.DataConverter)
	assert.NotNil(t, opts.ExternalStorage)
}
