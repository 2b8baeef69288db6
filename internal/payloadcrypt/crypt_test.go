package payloadcrypt

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func key(t *testing.T, id string) Key {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return Key{ID: id, Bytes: b}
}

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestSealAndOpen(t *testing.T) {
	c, err := New([]Key{key(t, "k1")})
	require.NoError(t, err)
	in := payload(t, map[string]string{"login": "jane.doe@acme.com"})
	enc, err := c.Encode([]*commonpb.Payload{in})
	require.NoError(t, err)
	assert.Equal(t, Encoding, string(enc[0].Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(enc[0].Metadata[MetadataKeyID]))
	assert.False(t, bytes.Contains(enc[0].Data, []byte("jane.doe")), "no plaintext in the sealed payload")
	again, err := c.Encode([]*commonpb.Payload{in})
	require.NoError(t, err)
	assert.NotEqual(t, enc[0].Data, again[0].Data, "a fresh nonce every time")

	dec, err := c.Decode(enc)
	require.NoError(t, err)
	var out map[string]string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(dec[0], &out))
	assert.Equal(t, "jane.doe@acme.com", out["login"])

	plain, err := c.Decode([]*commonpb.Payload{in})
	require.NoError(t, err)
	assert.Same(t, in, plain[0], "payloads from before encryption pass through")

	tampered := &commonpb.Payload{Metadata: enc[0].Metadata, Data: append([]byte(nil), enc[0].Data...)}
	tampered.Data[len(tampered.Data)-1] ^= 1
	_, err = c.Decode([]*commonpb.Payload{tampered})
	require.ErrorContains(t, err, `payload sealed with key "k1" does not open`)
}

// TestRotation: a codec with the old and a new key opens both and seals
// with the new one; once the old key is removed its payloads are refused
// by name.
func TestRotation(t *testing.T) {
	old, next := key(t, "2026-01"), key(t, "2026-07")
	c1, err := New([]Key{old})
	require.NoError(t, err)
	sealedOld, err := c1.Encode([]*commonpb.Payload{payload(t, "from before")})
	require.NoError(t, err)

	c2, err := New([]Key{old, next})
	require.NoError(t, err)
	assert.Equal(t, "2026-07", c2.KeyID())
	sealedNew, err := c2.Encode([]*commonpb.Payload{payload(t, "from after")})
	require.NoError(t, err)
	assert.Equal(t, "2026-07", string(sealedNew[0].Metadata[MetadataKeyID]))
	for _, p := range []*commonpb.Payload{sealedOld[0], sealedNew[0]} {
		_, err := c2.Decode([]*commonpb.Payload{p})
		require.NoError(t, err)
	}

	c3, err := New([]Key{next})
	require.NoError(t, err)
	_, err = c3.Decode(sealedOld)
	require.True(t, errors.Is(err, ErrUnknownKey), "%v", err)
	assert.Contains(t, err.Error(), `"2026-01"`)
	_, err = c1.Decode(sealedNew)
	require.True(t, errors.Is(err, ErrUnknownKey))
}

func TestKeysFromEnv(t *testing.T) {
	k1, k2 := key(t, "a"), key(t, "b")
	b64 := func(k Key) string { return base64.StdEncoding.EncodeToString(k.Bytes) }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Nil(t, c)

	c, err = FromEnv(env(map[string]string{EnvKeys: "a:" + b64(k1) + ", b:" + b64(k2)}))
	require.NoError(t, err)
	assert.Equal(t, "b", c.KeyID())

	file := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(file, []byte("# rotated 2026-07\na:"+b64(k1)+"\nb:"+b64(k2)+"\n"), 0o600))
	c, err = FromEnv(env(map[string]string{EnvKeysFile: file}))
	require.NoError(t, err)
	assert.Equal(t, "b", c.KeyID())

	secret := base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key"))
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"both":      {map[string]string{EnvKeys: "a:" + b64(k1), EnvKeysFile: file}, "set CORDON_PAYLOAD_KEYS or CORDON_PAYLOAD_KEYS_FILE, not both"},
		"short key": {map[string]string{EnvKeys: "a:" + secret}, `key "a" has 16 bytes, AES-256 needs 32`},
		"no id":     {map[string]string{EnvKeys: b64(k1)}, "entry 1: want id:BASE64"},
		"bad b64":   {map[string]string{EnvKeys: "a:***"}, `key "a" is not standard base64`},
		"dup":       {map[string]string{EnvKeys: "a:" + b64(k1) + ",a:" + b64(k2)}, `id "a" listed twice`},
		"missing":   {map[string]string{EnvKeysFile: file + ".nope"}, "CORDON_PAYLOAD_KEYS_FILE"},
	} {
		_, err := FromEnv(env(tc.env))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
		assert.NotContains(t, err.Error(), secret, "%s: key material never in errors", name)
		assert.NotContains(t, err.Error(), b64(k1), name)
	}
}
