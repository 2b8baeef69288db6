package oktasim

import (
	"crypto"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP (RFC 9449) as the org checks it, on the token endpoint and on every
// Management API request made with a DPoP-bound token: a proof JWT of type
// dpop+jwt, signed RS256 or ES256 with the public key in its jwk header,
// naming the request (htm, htu), fresh (iat), used once (jti), carrying the
// org's current nonce and, on API requests, the token's hash (ath); the
// token's cnf.jkt must be the proof key's thumbprint.

// DefaultDPoPNonceLifetime is how long a DPoP-Nonce stays valid when
// Options.DPoPNonceLifetime is unset.
const DefaultDPoPNonceLifetime = 10 * time.Minute

// dpopProofWindow is how far a proof's iat may lie from the org's clock,
// either way (RFC 9449 section 11.1 leaves the window to the server; a few
// minutes covers ordinary clock skew).
const dpopProofWindow = 5 * time.Minute

var dpopAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// dpopError is a refused proof: an OAuth error code and its description.
type dpopError struct{ code, desc string }

func invalidProof(desc string) *dpopError { return &dpopError{"invalid_dpop_proof", desc} }

type dpopClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath"`
	Nonce string           `json:"nonce"`
}

// checkDPoP verifies the request's DPoP proof. token is the access token
// the request presents ("" on the token endpoint, where no ath is due);
// server names who demands the nonce in the use_dpop_nonce description.
// It returns the proof key's JWK SHA-256 thumbprint (base64url).
func (s *Sim) checkDPoP(r *http.Request, token, server string) (string, *dpopError) {
	vals := r.Header.Values("DPoP")
	if len(vals) == 0 {
		return "", invalidProof("The DPoP proof JWT header is missing.")
	}
	if len(vals) > 1 {
		return "", invalidProof("Only one DPoP proof JWT header is allowed.")
	}
	tok, err := jwt.ParseSigned(vals[0], dpopAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return "", invalidProof("The DPoP proof JWT is malformed or not signed with RS256 or ES256.")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return "", invalidProof("The DPoP proof JWT 'typ' header must be 'dpop+jwt'.")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return "", invalidProof("The DPoP proof JWT 'jwk' header must hold a public key.")
	}
	var c dpopClaims
	if err := tok.Claims(h.JSONWebKey.Key, &c); err != nil {
		return "", invalidProof("The DPoP proof JWT signature is invalid.")
	}
	if e := s.checkProofClaims(r, c, token); e != nil {
		return "", e
	}
	if c.Nonce != s.dpopNonce() {
		return "", &dpopError{"use_dpop_nonce", server + " requires nonce in DPoP proof."}
	}
	if !s.remember(func(a *authzState) map[string]time.Time { return a.proofs }, c.JTI, s.now().Add(2*dpopProofWindow)) {
		return "", invalidProof("The DPoP proof JWT 'jti' has already been used.")
	}
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", invalidProof("The DPoP proof JWT 'jwk' header must hold a public key.")
	}
	return b64url(tp), nil
}

// checkProofClaims checks what the proof says about the request.
func (s *Sim) checkProofClaims(r *http.Request, c dpopClaims, token string) *dpopError {
	if c.JTI == "" {
		return invalidProof("The DPoP proof JWT is missing the 'jti' claim.")
	}
	if c.HTM != r.Method {
		return invalidProof("The DPoP proof JWT 'htm' claim does not match the request method.")
	}
	if !sameHTU(c.HTU, s.baseURL(r)+r.URL.Path) {
		return invalidProof("The DPoP proof JWT 'htu' claim does not match the request URL.")
	}
	if c.IAT == nil {
		return invalidProof("The DPoP proof JWT is missing the 'iat' claim.")
	}
	if d := s.now().Sub(c.IAT.Time()); d > dpopProofWindow || d < -dpopProofWindow {
		return invalidProof("The DPoP proof JWT 'iat' claim is outside the acceptable window.")
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		if c.ATH != b64url(sum[:]) {
			return invalidProof("The DPoP proof JWT 'ath' claim does not match the access token.")
		}
	}
	return nil
}

// sameHTU compares a proof's htu with the URL the request addressed,
// ignoring query and fragment and the case of scheme and host (RFC 9449
// section 4.3, step 9).
func sameHTU(htu, want string) bool {
	a, err := url.Parse(htu)
	if err != nil {
		return false
	}
	b, _ := url.Parse(want)
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) && a.EscapedPath() == b.EscapedPath()
}

// dpopNonce is the org's current DPoP nonce, rotated once it is older than
// Options.DPoPNonceLifetime. Only the current nonce is accepted.
func (s *Sim) dpopNonce() string {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	if s.authz.nonce == "" || s.now().Sub(s.authz.nonceAt) >= s.opts.DPoPNonceLifetime {
		s.authz.nonce, s.authz.nonceAt = randomToken(), s.now()
	}
	return s.authz.nonce
}

// RotateDPoPNonce replaces the org's DPoP nonce now and returns the new
// one; proofs carrying the old one are answered use_dpop_nonce.
func (s *Sim) RotateDPoPNonce() string {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	s.authz.nonce, s.authz.nonceAt = randomToken(), s.now()
	return s.authz.nonce
}
