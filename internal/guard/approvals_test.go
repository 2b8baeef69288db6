package guard

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/signing"
)

func TestLoadApprovalsSection(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, signing.GenerateFiles(filepath.Join(dir, "serve.key")))
	path := filepath.Join(dir, "guardrails.yaml")
	require.NoError(t, os.WriteFile(path, []byte("approvals:\n  require_signed: true\n  max_age: 5m\n  keys:\n    - {id: serve-1, file: serve.key.pub}\n"), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Minute, c.Approvals.MaxAge)
	k, err := c.Approvals.Keyring(c.Dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"serve-1"}, k.IDs())

	require.NoError(t, os.WriteFile(path, []byte("approvals:\n  keys:\n    - {id: serve-1, file: missing.pub}\n"), 0o644))
	_, err = Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "approvals.keys[0] (serve-1): open "+filepath.Join(dir, "missing.pub"))
}
