package signing

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyFilesSignAndVerify(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "serve.key")
	require.NoError(t, GenerateFiles(priv))
	fi, err := os.Stat(priv)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the private key is readable by its owner only")

	s, err := LoadSigner(priv, "serve-1")
	require.NoError(t, err)
	k, err := Policy{Keys: []KeyConfig{{ID: "serve-1", File: "serve.key.pub"}}}.Keyring(dir)
	require.NoError(t, err)
	c := Claims{Run: "r", Step: "approve", Decision: "approve", Approver: "bob", SignedAt: time.Now()}
	sig := s.Sign(c)
	require.NoError(t, k.Verify("serve-1", c, sig))
	c.Approver = "mallory"
	require.ErrorIs(t, k.Verify("serve-1", c, sig), ErrBadSignature)
	require.ErrorIs(t, k.Verify("serve-2", c, sig), ErrUnknownKey)
	require.ErrorIs(t, k.Verify("serve-1", c, "not base64!"), ErrBadSignature)
}

func TestKeyLoadingErrors(t *testing.T) {
	dir := t.TempDir()
	priv := filepath.Join(dir, "k")
	require.NoError(t, GenerateFiles(priv))
	_, err := LoadSigner(priv+".pub", "x")
	assert.EqualError(t, err, priv+".pub: not a PEM PRIVATE KEY")
	_, err = LoadSigner(priv, "")
	assert.EqualError(t, err, "signing key "+priv+": a key id is required")
	_, err = LoadPublicKey(priv)
	assert.EqualError(t, err, priv+": not a PEM PUBLIC KEY")
	_, err = Policy{Keys: []KeyConfig{{ID: "a", File: "k.pub"}, {ID: "a", File: "k.pub"}}}.Keyring(dir)
	assert.EqualError(t, err, `approvals.keys[1]: key id "a" is listed twice`)
	_, err = Policy{Keys: []KeyConfig{{ID: "a"}}}.Keyring(dir)
	assert.EqualError(t, err, "approvals.keys[0]: id and file are required")
}

func TestRequiredByDefaultOutsideDev(t *testing.T) {
	assert.True(t, Policy{}.Required(false))
	assert.False(t, Policy{}.Required(true))
	no := false
	assert.False(t, Policy{RequireSigned: &no}.Required(false))
}

func TestTargetsHashIsOrderAndBoundarySensitive(t *testing.T) {
	assert.NotEqual(t, TargetsHash([]string{"a", "b"}), TargetsHash([]string{"b", "a"}))
	assert.NotEqual(t, TargetsHash([]string{"ab"}), TargetsHash([]string{"a", "b"}))
	assert.Equal(t, TargetsHash(nil), TargetsHash([]string{}))
}
