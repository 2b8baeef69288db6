package okta

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP (RFC 9449): every request carries a proof JWT signed by the
// client's DPoP key, and the access token is bound to that key, so a
// stolen token is useless without the key.

// Servers that hand out DPoP nonces. RFC 9449 §8 and §9 let the
// authorization server and the resource server each require their own
// nonce, so the client remembers one per server.
const (
	nonceAS = "as" // the token endpoint
	nonceRS = "rs" // the Management API
)

// dpopProver signs DPoP proofs with one key and remembers the servers'
// nonces. It is safe for concurrent use.
type dpopProver struct {
	signer jose.Signer
	now    func() time.Time

	mu     sync.Mutex
	nonces map[string]string
}

func newDPoPProver(key crypto.Signer, now func() time.Time) (*dpopProver, error) {
	alg, err := signingAlg(key)
	if err != nil {
		return nil, err
	}
	// EmbedJWK puts the public key in the "jwk" header (RFC 9449 §4.2);
	// go-jose writes only the public part.
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return nil, err
	}
	return &dpopProver{signer: s, now: now, nonces: map[string]string{}}, nil
}

// dpopClaims are a proof's claims (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath,omitempty"`
	Nonce string           `json:"nonce,omitempty"`
}

// proof signs a proof for one request to u by method. accessToken is set
// for API calls (the ath claim binds the proof to it) and empty for the
// token request; server says whose nonce to include.
func (d *dpopProver) proof(method string, u *url.URL, accessToken, server string) (string, error) {
	c := dpopClaims{JTI: rand.Text(), HTM: method, HTU: htu(u), IAT: jwt.NewNumericDate(d.now()),
		Nonce: d.nonce(server)}
	if accessToken != "" {
		c.ATH = tokenHash(accessToken)
	}
	// Signing the marshalled claims directly skips the jwt builder's
	// round trip through a map: this runs on every request.
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	jws, err := d.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (d *dpopProver) nonce(server string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonces[server]
}

// remember stores the DPoP-Nonce a server sent, on any answer (RFC 9449
// §8.2: a server may rotate its nonce on a successful response too). It
// reports whether the nonce changed.
func (d *dpopProver) remember(server string, h http.Header) bool {
	n := h.Get("DPoP-Nonce")
	if n == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := d.nonces[server] != n
	d.nonces[server] = n
	return changed
}

// htu is the request URL without query and fragment (RFC 9449 §4.2).
func htu(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
}

// tokenHash is the ath claim: base64url of the SHA-256 of the token's
// ASCII bytes (RFC 9449 §4.2).
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// wantsDPoPNonce reports a resource server's 401 asking for a nonce:
// WWW-Authenticate: DPoP error="use_dpop_nonce" (RFC 9449 §9).
func wantsDPoPNonce(resp *http.Response) bool {
	if resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "dpop") &&
			strings.Contains(v, "use_dpop_nonce") {
			return true
		}
	}
	return false
}
