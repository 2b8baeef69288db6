package devserver

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts slog to the Temporal server's logger interface.
//
// The server logs hundreds of lines at startup and routine warnings
// (membership, missing authorizer, shard ownership) that mean nothing to a
// Cordon user, so below debug level only errors are passed through; with
// --log-level debug everything is.
type serverLogger struct {
	l   *slog.Logger
	min slog.Level
	// stopping silences the server while it shuts down: its services log
	// "context canceled" errors for every poll cut short, which is expected.
	stopping *atomic.Bool
}

var _ log.Logger = serverLogger{}

func newServerLogger(l *slog.Logger) serverLogger {
	min := slog.LevelError
	if l.Enabled(context.Background(), slog.LevelDebug) {
		min = slog.LevelDebug
	}
	return serverLogger{l: l.With("component", "temporal-server"), min: min, stopping: new(atomic.Bool)}
}

func (s serverLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// The server's DPanic/Panic/Fatal are logged as errors: an embedded server
// must not take the worker down through its logger.
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Panic(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Fatal(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if level > slog.LevelDebug && routine(tags) {
		level = slog.LevelDebug
	}
	if level < s.min || (s.stopping.Load() && s.min > slog.LevelDebug) || !s.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	s.l.LogAttrs(context.Background(), level, msg, attrs...)
}

// routineErrors are texts of errors the server logs at error level in
// normal operation: a poll cut short because its client went away (a
// worker stopping), and a queue reader asking before the history shard is
// acquired at startup (the reader retries; seen on PostgreSQL, where
// acquiring takes longer).
var routineErrors = []string{context.Canceled.Error(), "shard status unknown"}

// routine reports whether the message is about one of routineErrors. The
// server's error tags carry the error's text, not the error itself.
func routine(tags []tag.Tag) bool {
	for _, t := range tags {
		var text string
		switch v := t.Value().(type) {
		case error:
			if errors.Is(v, context.Canceled) {
				return true
			}
			text = v.Error()
		case string:
			text = v
		}
		for _, r := range routineErrors {
			if strings.Contains(text, r) {
				return true
			}
		}
	}
	return false
}
