package okta

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// ParsePrivateKey reads the private key of an Okta API Services app (the
// client-assertion key) or a DPoP key: PEM in PKCS#8 ("PRIVATE KEY"),
// PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") form, or a JWK
// (the JSON Okta's Admin Console offers when it generates the key pair),
// also inside a JWK Set holding exactly one key. The result is an
// *rsa.PrivateKey or an *ecdsa.PrivateKey on P-256, P-384 or P-521.
//
// Its errors describe the shape of the input, never its bytes.
func ParsePrivateKey(b []byte) (crypto.Signer, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("okta: private key is empty")
	}
	var (
		key any
		err error
	)
	if b[0] == '{' {
		key, err = parseJWK(b)
	} else {
		key, err = parsePEM(b)
	}
	if err != nil {
		return nil, err
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("okta: private key of type %T is not supported: want RSA or ECDSA", key)
	}
	if _, err := signingAlg(s); err != nil {
		return nil, err
	}
	return s, nil
}

func parsePEM(b []byte) (any, error) {
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("okta: private key is neither PEM (-----BEGIN ... PRIVATE KEY-----) nor a JWK")
		}
		if _, encrypted := block.Headers["Proc-Type"]; encrypted || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("okta: private key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: PKCS#8 private key: %w", err)
			}
			return k, nil
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: PKCS#1 RSA private key: %w", err)
			}
			return k, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: SEC 1 EC private key: %w", err)
			}
			return k, nil
		case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
			return nil, fmt.Errorf("okta: found a PEM %q block: want the private key, not the public key registered in Okta", block.Type)
		}
		// Other blocks (openssl ecparam's "EC PARAMETERS") precede the key.
	}
}

func parseJWK(b []byte) (any, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(b, &set) == nil && set.Keys != nil {
		if len(set.Keys) != 1 {
			return nil, fmt.Errorf("okta: JWK Set holds %d keys: want exactly one private key", len(set.Keys))
		}
		b = set.Keys[0]
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(b); err != nil {
		// go-jose's errors name the malformed member, not its value.
		return nil, fmt.Errorf("okta: private key JWK: %w", err)
	}
	if jwk.IsPublic() {
		return nil, errors.New("okta: the JWK is a public key: want the private key (with its \"d\" member)")
	}
	return jwk.Key, nil
}

// signingAlg is the JWS algorithm for a key: RS256 for RSA (what Okta
// documents for private_key_jwt), ES256/384/512 by the ECDSA curve.
func signingAlg(k crypto.Signer) (jose.SignatureAlgorithm, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if k == nil || k.N == nil {
			return "", errors.New("okta: no private key")
		}
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("okta: RSA key of %d bits: Okta requires at least 2048", k.N.BitLen())
		}
		return jose.RS256, nil
	case *ecdsa.PrivateKey:
		if k == nil || k.Curve == nil {
			return "", errors.New("okta: no private key")
		}
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256, nil
		case elliptic.P384():
			return jose.ES384, nil
		case elliptic.P521():
			return jose.ES512, nil
		}
		return "", fmt.Errorf("okta: ECDSA key on curve %s is not supported: want P-256, P-384 or P-521", k.Curve.Params().Name)
	case nil:
		return "", errors.New("okta: no private key")
	}
	return "", fmt.Errorf("okta: private key of type %T is not supported: want *rsa.PrivateKey or *ecdsa.PrivateKey", k)
}

// NewDPoPKey generates a P-256 key for DPoP proofs. Okta does not register
// DPoP keys (the token is bound to whatever key signed the proof that
// obtained it), so a key per process is enough and nothing needs storing.
func NewDPoPKey() (crypto.Signer, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}
