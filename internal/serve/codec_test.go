package serve

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/internal/payloadstore"
)

// TestCodecTakesTheWebhookCredentials checks that /codec/decode is served
// with the webhook's authentication, or without for a UI that has none.
func TestCodecTakesTheWebhookCredentials(t *testing.T) {
	codec := &payloadstore.Codec{Drivers: []converter.StorageDriver{payloadstore.NewFileDriver(t.TempDir())},
		AllowOrigins: []string{"http://localhost:8233"}}
	body := []byte(`{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"InNtYWxsIg=="}]}`)
	post := func(url, token string) int {
		req, _ := http.NewRequest(http.MethodPost, url+payloadstore.DecodePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}

	ts, _ := newTestServer(t, Config{Token: "hook-token", Codec: codec})
	assert.Equal(t, http.StatusUnauthorized, post(ts.URL, ""))
	assert.Equal(t, http.StatusUnauthorized, post(ts.URL, "wrong"))
	assert.Equal(t, http.StatusOK, post(ts.URL, "hook-token"))

	open, _ := newTestServer(t, Config{Token: "hook-token", Codec: codec, CodecNoAuth: true})
	assert.Equal(t, http.StatusOK, post(open.URL, ""))

	none, _ := newTestServer(t, Config{Token: "hook-token"})
	assert.Equal(t, http.StatusNotFound, post(none.URL, "hook-token"), "no store, no codec")
}
