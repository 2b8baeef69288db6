package okta

import (
	"context"
	"crypto"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkTokenOverhead measures what OAuth adds to one API request: a
// GET against an httptest server that checks nothing, with an SSWS token,
// a cached OAuth access token, and a cached DPoP-bound token (a proof
// signed per request, ES256 or RS256). mints/op shows the cache at work.
//
//	go test -run '^$' -bench TokenOverhead -benchmem ./activities/okta/
func BenchmarkTokenOverhead(b *testing.B) {
	var mints atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/v1/token" {
			mints.Add(1)
			typ := TokenTypeBearer
			if r.Header.Get("DPoP") != "" {
				typ = TokenTypeDPoP
			}
			_, _ = w.Write([]byte(`{"access_token":"eyJraWQiOiJ0b2tlbiJ9.eyJzdWIiOiIwb2ExIn0.c2lnbmF0dXJl","token_type":"` + typ + `","expires_in":3600,"scope":"okta.users.read"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.c"}}`))
	}))
	b.Cleanup(srv.Close)
	rsaK, ecK := testRSAKey(b), testECKey(b)
	oauth := func(dpop crypto.Signer) *OAuth {
		return &OAuth{ClientID: "0oa1", KeyID: "k1", PrivateKey: rsaK, Scopes: []string{"okta.users.read"}, DPoPKey: dpop}
	}
	cases := []struct {
		name string
		cfg  Config
	}{
		{"SSWS", Config{OrgURL: srv.URL, Token: secret}},
		{"OAuth", Config{OrgURL: srv.URL, OAuth: oauth(nil)}},
		{"OAuth+DPoP-ES256", Config{OrgURL: srv.URL, OAuth: oauth(ecK)}},
		{"OAuth+DPoP-RS256", Config{OrgURL: srv.URL, OAuth: oauth(rsaK)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c, err := NewClient(tc.cfg, WithoutPacing())
			require.NoError(b, err)
			ctx := context.Background()
			require.NoError(b, getUser(ctx, c)) // the one mint, outside the timing
			mints.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := getUser(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(mints.Load())/float64(b.N), "mints/op")
		})
	}
}
