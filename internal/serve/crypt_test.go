package serve

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
)

// signIn stands in for the approvals page: signed in means the cookie
// session=ok.
type signIn struct{}

func (signIn) Register(*http.ServeMux) {}

func (signIn) Authenticate(r *http.Request) error {
	if c, err := r.Cookie("session"); err == nil && c.Value == "ok" {
		return nil
	}
	return errors.New("not signed in")
}

// TestCodecDecryptsForAuthenticatedCallersOnly: the codec endpoint opens
// encrypted payloads for the webhook's bearer token or a signed-in
// approvals user, and for nobody else.
func TestCodecDecryptsForAuthenticatedCallersOnly(t *testing.T) {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	crypt, err := payloadcrypt.New([]payloadcrypt.Key{{ID: "k", Bytes: k}})
	require.NoError(t, err)
	p, err := converter.GetDefaultDataConverter().ToPayload("jane.doe@acme.com")
	require.NoError(t, err)
	sealed, err := crypt.Encode([]*commonpb.Payload{p})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})
	require.NoError(t, err)
	codec := &payloadstore.Codec{Codecs: []converter.PayloadCodec{crypt}, AllowOrigins: []string{"http://localhost:8233"}}

	post := func(url string, header map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url+payloadstore.DecodePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ts, _ := newTestServer(t, Config{Token: "hook-token", Codec: codec, Approvals: signIn{}})
	for name, h := range map[string]map[string]string{
		"anonymous":   nil,
		"wrong token": {"Authorization": "Bearer nope"},
		"bad cookie":  {"Cookie": "session=forged"},
	} {
		code, out := post(ts.URL, h)
		assert.Equal(t, http.StatusUnauthorized, code, name)
		assert.NotContains(t, out, "jane.doe", name)
	}
	for name, h := range map[string]map[string]string{
		"webhook token": {"Authorization": "Bearer hook-token"},
		"signed in":     {"Cookie": "session=ok"},
	} {
		code, out := post(ts.URL, h)
		require.Equal(t, http.StatusOK, code, name)
		var got commonpb.Payloads
		require.NoError(t, protojson.Unmarshal([]byte(out), &got), name)
		var s string
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(got.Payloads[0], &s), name)
		assert.Equal(t, "jane.doe@acme.com", s, name)
	}
}
