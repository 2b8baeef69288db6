package okta

import (
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Environment variables of OAuth 2.0 client credentials. The OKTA_CLIENT_*
// names and values are those of Okta's SDKs (okta-sdk-golang's config
// struct tags); the _FILE and DPoP ones are Cordon's.
const (
	EnvSDKAuthMode     = "OKTA_CLIENT_AUTHORIZATIONMODE" // SSWS, Bearer or PrivateKey
	EnvSDKClientID     = "OKTA_CLIENT_CLIENTID"
	EnvSDKScopes       = "OKTA_CLIENT_SCOPES"       // comma or space separated
	EnvSDKPrivateKey   = "OKTA_CLIENT_PRIVATEKEY"   // PEM or JWK text
	EnvSDKPrivateKeyID = "OKTA_CLIENT_PRIVATEKEYID" // the kid of the registered public key
	EnvPrivateKeyFile  = "OKTA_PRIVATE_KEY_FILE"    // PEM or JWK file, instead of OKTA_CLIENT_PRIVATEKEY
	EnvDPoP            = "OKTA_CLIENT_DPOP"         // true: DPoP-bound tokens
	EnvDPoPKeyFile     = "OKTA_DPOP_KEY_FILE"       // optional DPoP key; default a generated P-256 key
)

// ModePrivateKey is the OKTA_CLIENT_AUTHORIZATIONMODE (or OKTA_AUTH_SCHEME)
// value that selects OAuth client credentials with private_key_jwt, as in
// Okta's SDKs.
const ModePrivateKey = "PrivateKey"

// oauthFromEnv reads the OAuth settings when the mode is PrivateKey; it
// returns nil otherwise. Key files are read here so keys never travel
// through activity inputs.
func oauthFromEnv(first func(...string) string) (*OAuth, error) {
	if !strings.EqualFold(first(EnvAuthScheme, EnvSDKAuthMode), ModePrivateKey) {
		return nil, nil
	}
	o := &OAuth{ClientID: first(EnvSDKClientID), KeyID: first(EnvSDKPrivateKeyID), Scopes: SplitScopes(first(EnvSDKScopes))}
	if o.ClientID == "" {
		return nil, fmt.Errorf("okta: %s=%s needs %s (the API Services app's client id)", EnvSDKAuthMode, ModePrivateKey, EnvSDKClientID)
	}
	var err error
	switch pem, path := first(EnvSDKPrivateKey), first(EnvPrivateKeyFile); {
	case pem != "":
		// A PEM pasted into one line of a .env file keeps its newlines as \n.
		if !strings.Contains(pem, "\n") {
			pem = strings.ReplaceAll(pem, `\n`, "\n")
		}
		if o.PrivateKey, err = ParsePrivateKey([]byte(pem)); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSDKPrivateKey, err)
		}
	case path != "":
		if o.PrivateKey, err = readKeyFile(path); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvPrivateKeyFile, err)
		}
	default:
		return nil, fmt.Errorf("okta: %s=%s needs %s or %s", EnvSDKAuthMode, ModePrivateKey, EnvSDKPrivateKey, EnvPrivateKeyFile)
	}
	if v := first(EnvDPoP); v != "" {
		if o.DPoP, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("okta: %s=%q: want true or false", EnvDPoP, v)
		}
	}
	if path := first(EnvDPoPKeyFile); path != "" {
		if o.DPoPKey, err = readKeyFile(path); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvDPoPKeyFile, err)
		}
		o.DPoP = true
	}
	return o, nil
}

// readKeyFile reads and parses a private key file (see ParsePrivateKey).
// Its errors name the path, never the contents.
func readKeyFile(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("okta: reading the private key: %w", err)
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// SplitScopes splits a scope list written with commas (Okta's SDKs),
// spaces (OAuth's scope parameter) or both.
func SplitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// validate checks what NewClient needs of an OAuth client; scopes are
// checked by NewClient, so a caller may fill them in after ConfigFromEnv.
func (o *OAuth) validate(insecure bool) error {
	if o.ClientID == "" {
		return errors.New("okta: OAuth client id is empty")
	}
	if o.PrivateKey == nil {
		return fmt.Errorf("okta: OAuth client %s: no private key", o.ClientID)
	}
	if _, err := signingAlg(o.PrivateKey); err != nil {
		return fmt.Errorf("okta: OAuth client %s: private key: %w", o.ClientID, err)
	}
	if o.DPoPKey != nil {
		if _, err := signingAlg(o.DPoPKey); err != nil {
			return fmt.Errorf("okta: OAuth client %s: DPoP key: %w", o.ClientID, err)
		}
	}
	for _, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\n,\"\\") {
			return fmt.Errorf("okta: OAuth client %s: scope %q is not a single scope name", o.ClientID, s)
		}
	}
	if o.TokenURL != "" {
		return checkURL("OAuth token URL", o.TokenURL, insecure)
	}
	return nil
}

func (o OAuth) redacted() map[string]any {
	key := func(set bool) string {
		if set {
			return redacted
		}
		return ""
	}
	return map[string]any{"ClientID": o.ClientID, "KeyID": o.KeyID, "PrivateKey": key(o.PrivateKey != nil),
		"Scopes": o.Scopes, "DPoP": o.DPoP || o.DPoPKey != nil, "DPoPKey": key(o.DPoPKey != nil), "TokenURL": o.TokenURL}
}

var oauthFields = []string{"ClientID", "KeyID", "PrivateKey", "Scopes", "DPoP", "DPoPKey", "TokenURL"}

// String describes the OAuth client with its keys redacted; scopes and
// ids are not secret.
func (o OAuth) String() string {
	m := o.redacted()
	return fmt.Sprintf("okta.OAuth{ClientID: %q, KeyID: %q, PrivateKey: %q, Scopes: %q, DPoP: %t, DPoPKey: %q, TokenURL: %q}",
		m["ClientID"], m["KeyID"], m["PrivateKey"], o.Scopes, m["DPoP"], m["DPoPKey"], m["TokenURL"])
}

// GoString makes %#v redact the keys too.
func (o OAuth) GoString() string { return o.String() }

// Format covers every other fmt verb.
func (o OAuth) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(o.String())) }

// LogValue makes slog render the OAuth client with its keys redacted.
func (o OAuth) LogValue() slog.Value {
	m := o.redacted()
	attrs := make([]slog.Attr, 0, len(oauthFields))
	for _, k := range oauthFields {
		attrs = append(attrs, slog.Any(k, m[k]))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON keeps the keys out of any JSON.
func (o OAuth) MarshalJSON() ([]byte, error) { return jsonMarshal(o.redacted()) }
