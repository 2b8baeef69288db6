package connections

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/cordonsec/cordon/activities/okta"
)

// getenv reads token_env; a variable so that tests need not set the
// process environment.
var getenv = os.Getenv

// RequestScopes is the list of OAuth scopes the connection asks for: its
// own scopes: when set, else needed (the scopes of the actions its
// playbooks use, from the action registry), sorted.
func (c Connection) RequestScopes(needed []string) []string {
	if len(c.Scopes) > 0 {
		return slices.Sorted(slices.Values(c.Scopes))
	}
	return slices.Sorted(slices.Values(needed))
}

// OktaConfig builds the Okta client configuration of the connection: the
// SSWS token read from its file or environment variable, or the OAuth
// client with its private key read and parsed, requesting
// RequestScopes(needed), with a DPoP key (read, or generated for this
// process when dpop_key_file is not set). Errors name the connection and
// what to fix, and never hold a secret.
func (c Connection) OktaConfig(needed []string) (okta.Config, error) {
	if c.env != nil {
		cfg := *c.env
		if cfg.OAuth != nil && len(cfg.OAuth.Scopes) == 0 {
			o := *cfg.OAuth
			o.Scopes = c.RequestScopes(needed)
			cfg.OAuth = &o
		}
		return cfg, nil
	}
	cfg := okta.Config{OrgURL: c.OrgURL, APIVersion: c.APIVersion}
	switch {
	case c.RateShare >= 1:
		cfg.RateReserve = -1 // no reserve: okta.Config's convention
	case c.RateShare > 0:
		cfg.RateReserve = 1 - c.RateShare
	}
	switch c.Auth.Type {
	case AuthSSWS:
		tok, err := c.token()
		if err != nil {
			return okta.Config{}, err
		}
		cfg.Token, cfg.AuthScheme = tok, okta.SchemeSSWS
	case AuthOAuth:
		o, err := c.oauth(needed)
		if err != nil {
			return okta.Config{}, err
		}
		cfg.OAuth = o
	default:
		return okta.Config{}, fmt.Errorf("connection %q: auth type %q: want ssws or oauth", c.Name, c.Auth.Type)
	}
	if err := cfg.Validate(); err != nil {
		return okta.Config{}, fmt.Errorf("connection %q: %s", c.Name, strings.TrimPrefix(err.Error(), "okta: "))
	}
	return cfg, nil
}

// token reads the SSWS token.
func (c Connection) token() (string, error) {
	if c.Auth.TokenEnv != "" {
		tok := strings.TrimSpace(getenv(c.Auth.TokenEnv))
		if tok == "" {
			return "", fmt.Errorf("connection %q: environment variable %s (token_env) is not set or empty: set it to the org's API token", c.Name, c.Auth.TokenEnv)
		}
		return tok, nil
	}
	b, err := readSecretFile(c.Auth.TokenFile)
	if err != nil {
		return "", fmt.Errorf("connection %q: token_file: %w", c.Name, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("connection %q: token_file %s is empty: write the org's API token in it", c.Name, c.Auth.TokenFile)
	}
	return tok, nil
}

// oauth reads the keys of an OAuth connection.
func (c Connection) oauth(needed []string) (*okta.OAuth, error) {
	scopes := c.RequestScopes(needed)
	if len(scopes) == 0 {
		return nil, fmt.Errorf("connection %q: no OAuth scopes to request: no playbook uses the connection and it lists no scopes: add scopes: to it", c.Name)
	}
	key, err := readKeyFile(c.Auth.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("connection %q: private_key_file: %w", c.Name, err)
	}
	o := &okta.OAuth{ClientID: c.Auth.ClientID, KeyID: c.Auth.KeyID, PrivateKey: key, Scopes: scopes}
	if !c.Auth.DPoP {
		return o, nil
	}
	if c.Auth.DPoPKeyFile != "" {
		if o.DPoPKey, err = readKeyFile(c.Auth.DPoPKeyFile); err != nil {
			return nil, fmt.Errorf("connection %q: dpop_key_file: %w", c.Name, err)
		}
		return o, nil
	}
	// A key of this process alone: tokens bound to it die with the
	// process, which mints new ones on start.
	if o.DPoPKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("connection %q: generating a DPoP key: %w", c.Name, err)
	}
	return o, nil
}

// readSecretFile reads a secret's file; its errors name the path and the
// cause (never the contents).
func readSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist", path)
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("%s is not readable by this process (permission denied)", path)
	case err != nil:
		return nil, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	return b, nil
}

// errNotKey is the one message for a file that holds no usable private
// key: the parsers' own errors may quote the input, so none is passed on.
func errNotKey(path string) error {
	return fmt.Errorf("%s is not a private key: want PEM (PKCS#8, PKCS#1 or SEC 1) or a private JWK; RSA of at least 2048 bits or EC P-256", path)
}

// readKeyFile reads and parses a private key file.
func readKeyFile(path string) (crypto.Signer, error) {
	b, err := readSecretFile(path)
	if err != nil {
		return nil, err
	}
	key, ok := parsePrivateKey(b)
	if !ok {
		return nil, errNotKey(path)
	}
	return key, nil
}

// parsePrivateKey reads an RSA or EC P-256 private key from PEM (PKCS#8,
// PKCS#1, SEC 1) or a JWK.
func parsePrivateKey(b []byte) (crypto.Signer, bool) {
	b = bytes.TrimSpace(b)
	var key any
	if block, _ := pem.Decode(b); block != nil {
		var err error
		if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
			if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				if key, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
					return nil, false
				}
			}
		}
	} else {
		var jwk jose.JSONWebKey
		if jwk.UnmarshalJSON(b) != nil || jwk.IsPublic() {
			return nil, false
		}
		key = jwk.Key
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, k.N.BitLen() >= 2048
	case *ecdsa.PrivateKey:
		return k, k.Curve == elliptic.P256()
	}
	return nil, false
}
