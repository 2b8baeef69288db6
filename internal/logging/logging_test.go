package logging_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/logging"
)

func TestFormatsAndLevels(t *testing.T) {
	var buf bytes.Buffer
	l, err := logging.New(&buf, "json", "warn")
	require.NoError(t, err)
	l.Info("dropped")
	l.Warn("kept", "k", "v")
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), "one JSON object: %s", buf.String())
	require.Equal(t, "kept", line["msg"])
	require.Equal(t, "v", line["k"])

	buf.Reset()
	l, err = logging.New(&buf, "text", "DEBUG")
	require.NoError(t, err)
	l.Debug("hello")
	require.Contains(t, buf.String(), "level=DEBUG msg=hello")
}

func TestBadValuesAreErrors(t *testing.T) {
	_, err := logging.New(&bytes.Buffer{}, "xml", "info")
	require.ErrorContains(t, err, `unknown log format "xml"`)
	_, err = logging.New(&bytes.Buffer{}, "text", "loud")
	require.ErrorContains(t, err, `unknown log level "loud"`)
}
