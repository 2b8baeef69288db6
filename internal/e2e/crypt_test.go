package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

const cryptPlaybook = `name: e2e-crypt
version: 1
inputs:
  login: {type: string, required: true}
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'profile.login eq "${{ inputs.login }}"'}
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
`

// TestEncryptedHistory runs the same playbook (an alert, a login, a user
// profile read from Okta, a write) on two stacks that keep Temporal's
// SQLite database in a file: without keys the login and the alert's text
// are in the database files in plain text (the test can fail), with keys
// neither is, in the database or the payload store, while the run's
// status still reads in clear through a client with the key.
func TestEncryptedHistory(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	secretText := fmt.Sprintf("impossible travel from Pyongyang %d", time.Now().UnixNano())
	login := oktasim.DemoActiveUserLogin
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	crypt, err := payloadcrypt.New([]payloadcrypt.Key{{ID: "e2e-1", Bytes: k}})
	require.NoError(t, err)

	run := func(t *testing.T, c *payloadcrypt.Codec) (files [][]byte) {
		dir := t.TempDir()
		s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo},
			stackOptions{dataFile: filepath.Join(dir, "temporal.db"), crypt: c})
		defer stop()
		st := s.runSource(t, "e2e-crypt", cryptPlaybook, runs.Request{Inputs: map[string]any{"login": login},
			Alert: map[string]any{"id": "crypt-1", "reason": secretText, "user": login}})
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.Contains(t, fmt.Sprint(stepOf(st, "find").Output), login, "the client with the key reads the output")
		u, _ := s.sim.Sim().User(oktasim.DemoActiveUserID)
		require.Equal(t, "SUSPENDED", u.Status)
		for _, root := range []string{dir, s.store.Dir} {
			require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
				if err != nil || info.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				files = append(files, b)
				return err
			}))
		}
		return files
	}
	contains := func(files [][]byte, s string) bool {
		for _, f := range files {
			if bytes.Contains(f, []byte(s)) {
				return true
			}
		}
		return false
	}

	plain := run(t, nil)
	require.True(t, contains(plain, login), "control: without keys the login is in the database")
	require.True(t, contains(plain, secretText), "control: without keys the alert is in the database")

	sealed := run(t, crypt)
	assert.False(t, contains(sealed, login), "no plaintext login in the database or the payload store")
	assert.False(t, contains(sealed, secretText), "no plaintext alert in the database or the payload store")
	assert.True(t, contains(sealed, payloadcrypt.Encoding), "the database holds encrypted payloads")
}

// TestPayloadKeysRefusedClearly: a malformed key list stops the CLI with
// the reason and no key material; serve refuses to decrypt for anyone.
func TestPayloadKeysRefusedClearly(t *testing.T) {
	s := getStackAlone(t)
	short := base64.StdEncoding.EncodeToString([]byte("only-sixteen-byt"))
	_, stderr, code := s.cliEnv(t, []string{payloadcrypt.EnvKeys + "=k1:" + short}, "list")
	assert.NotZero(t, code)
	assert.Contains(t, stderr, `bad payload key: key "k1" has 16 bytes, AES-256 needs 32`)
	assert.NotContains(t, stderr, short)

	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	_, stderr, code = s.cliEnv(t, []string{payloadcrypt.EnvKeys + "=k1:" + base64.StdEncoding.EncodeToString(k),
		"CORDON_CODEC_AUTH=none", "CORDON_WEBHOOK_TOKEN=hook"}, "serve", "--addr", "127.0.0.1:0")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "CORDON_CODEC_AUTH=none: the codec decrypts payloads")
}
