package signing

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartSignatures(t *testing.T) {
	s := &Signer{KeyID: "k", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	k := Keyring{"k": s.Key.Public().(ed25519.PublicKey)}
	c := StartClaims{Run: "r", Nonce: "n", Playbook: "p", PlaybookSHA256: "aa", Inputs: map[string]any{"b": 1.0, "a": "x"},
		StartedBy: "00u1", Login: "jane@acme.com", SignedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
	sig, err := s.SignStart(c)
	require.NoError(t, err)
	require.NoError(t, k.VerifyStart("k", c, sig))
	c.SignedAt = c.SignedAt.UTC()
	require.NoError(t, k.VerifyStart("k", c, sig), "the same instant in another zone")
	c.Inputs = map[string]any{"a": "x", "b": 1.0}
	require.NoError(t, k.VerifyStart("k", c, sig), "map order does not matter")
	c.Inputs["b"] = 2.0
	require.ErrorIs(t, k.VerifyStart("k", c, sig), ErrBadSignature)

	// A decision signature never passes for a start, nor the reverse.
	d := Claims{Run: "r", Step: "approve", Decision: "approve", Approver: "jane@acme.com"}
	msg, err := c.Message()
	require.NoError(t, err)
	// Domain separation: each kind of message starts with its own prefix,
	// so a start's signature never verifies as a decision's.
	assert.True(t, strings.HasPrefix(string(msg), startPrefix), "a start message starts with the start prefix")
	assert.True(t, strings.HasPrefix(string(d.Message()), prefix), "a decision message starts with the decision prefix")
	assert.False(t, strings.HasPrefix(startPrefix, prefix) || strings.HasPrefix(prefix, startPrefix), "neither prefix is a prefix of the other")
	require.ErrorIs(t, k.Verify("k", d, sig), ErrBadSignature)
}

// The run's connection is signed: a start signed for one org cannot be
// moved to another. A start without one encodes as before connections
// existed, so signatures made then still verify.
func TestStartSignatureCoversTheConnection(t *testing.T) {
	s := &Signer{KeyID: "k", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	k := Keyring{"k": s.Key.Public().(ed25519.PublicKey)}
	c := StartClaims{Run: "r", Nonce: "n", Playbook: "p", PlaybookSHA256: "aa", StartedBy: "00u1", Connection: "acme",
		SignedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	sig, err := s.SignStart(c)
	require.NoError(t, err)
	require.NoError(t, k.VerifyStart("k", c, sig))
	for _, other := range []string{"globex", ""} {
		moved := c
		moved.Connection = other
		require.ErrorIs(t, k.VerifyStart("k", moved, sig), ErrBadSignature, "moved to %q", other)
	}

	c.Connection = ""
	msg, err := c.Message()
	require.NoError(t, err)
	assert.NotContains(t, string(msg), "connection", "no connection: the message of a start signed before connections")
}
