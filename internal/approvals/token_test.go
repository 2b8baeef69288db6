package approvals

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadTokenServe: cordon approve without --serve uses the serve URL
// cordon login signed in to; a different one names both ways out.
func TestLoadTokenServe(t *testing.T) {
	t.Setenv("CORDON_TOKEN_FILE", filepath.Join(t.TempDir(), "token.json"))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := LoadToken("", now)
	require.EqualError(t, err, "not signed in: run cordon login (or, on a --dev stack, pass --as NAME)")
	require.NoError(t, saveToken(&Token{Serve: "https://approvals.example.com", IDToken: "x", Login: "ana", Expiry: now.Add(time.Hour)}))
	tok, err := LoadToken("", now)
	require.NoError(t, err)
	assert.Equal(t, "https://approvals.example.com", tok.Serve)
	_, err = LoadToken("http://127.0.0.1:8080", now)
	assert.EqualError(t, err, "signed in to https://approvals.example.com, not http://127.0.0.1:8080: "+
		"pass --serve https://approvals.example.com (or unset CORDON_SERVE_URL), or run cordon login --serve http://127.0.0.1:8080")
}
