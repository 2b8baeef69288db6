package runs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileInputs(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "ids.txt")
	require.NoError(t, os.WriteFile(ids, []byte("00u1\n00u2\r\n00u3\n"), 0o600))
	obj := filepath.Join(dir, "inputs.json")
	require.NoError(t, os.WriteFile(obj, []byte(`{"user_ids": ["a", "b"], "reason": "from file", "n": 3}`), 0o600))

	got, err := FileInputs(map[string]string{"user_ids": "@" + ids, "note": "@@handle", "reason": "plain"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"user_ids": "00u1\n00u2\r\n00u3", "note": "@handle", "reason": "plain"}, got)

	_, err = FileInputs(map[string]string{"user_ids": "@" + filepath.Join(dir, "missing")})
	var inErr *InputError
	require.ErrorAs(t, err, &inErr)
	assert.Contains(t, err.Error(), "--input user_ids=@")

	m, err := ReadInputsFile(obj)
	require.NoError(t, err)
	assert.Equal(t, []any{"a", "b"}, m["user_ids"])
	_, err = ReadInputsFile(ids)
	assert.ErrorContains(t, err, "not a JSON object of input values")

	big := make([]any, 100000)
	for i := range big {
		big[i] = fmt.Sprintf("00u%017d", i)
	}
	err = CheckInputSize(map[string]any{"user_ids": big}, 2<<20)
	assert.ErrorContains(t, err, "over Temporal's payload limit of 2097152 bytes; enable the payload store")
	assert.NoError(t, CheckInputSize(map[string]any{"user_ids": big[:1000]}, 2<<20))
}
