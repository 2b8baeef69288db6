// Package logging builds the slog.Logger shared by the worker and the CLI.
//
// One constructor keeps the flag values (--log-format, --log-level) and their
// error messages identical across binaries. The Temporal SDK receives the same
// logger through log.NewStructuredLogger, and the embedded server through an
// adapter in internal/devserver, so every line has one format.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Formats accepted by New, for flag help text.
const (
	FormatText = "text" // human-readable key=value, the default on a terminal
	FormatJSON = "json" // one JSON object per line, for log shippers
)

// New returns a logger writing to w in the given format ("text" or "json")
// at the given level ("debug", "info", "warn" or "error"; case-insensitive).
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case FormatText, "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case FormatJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("unknown log format %q (want %s or %s)", format, FormatText, FormatJSON)
	}
}

// ParseLevel parses a level name as used by --log-level.
func ParseLevel(s string) (slog.Level, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
	}
	return lvl, nil
}
