package devserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/log/tag"
)

func TestServerLoggerQuietUnlessDebug(t *testing.T) {
	var buf bytes.Buffer
	l := newServerLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Info("membership changed")
	l.Warn("no authorizer")
	require.Empty(t, buf.String(), "info and warn are dropped below debug")

	l.Error("poll failed", tag.Error(fmt.Errorf("call: %w", context.Canceled)))
	require.Empty(t, buf.String(), "a canceled poll is not an error")
	l.Error("Queue reader unable to retrieve tasks", tag.Error(errors.New("shard status unknown")))
	require.Empty(t, buf.String(), "a queue reader ahead of the shard at startup is not an error")

	l.Error("persistence failed", tag.Error(errors.New("disk full")))
	require.Contains(t, buf.String(), "persistence failed")
	require.Contains(t, buf.String(), "component=temporal-server")

	buf.Reset()
	l.stopping.Store(true)
	l.Error("shard closed", tag.Error(errors.New("shutting down")))
	require.Empty(t, buf.String(), "silent while stopping")

	buf.Reset()
	dbg := newServerLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	dbg.Info("membership changed")
	require.Contains(t, buf.String(), "membership changed", "debug level shows everything")
}
