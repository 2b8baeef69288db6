package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Policy is the approvals: section of the worker's guardrail file.
type Policy struct {
	// RequireSigned refuses decisions without a valid signature. Default
	// true, except for the --dev worker, where unsigned CLI approvals stay
	// allowed (and the CLI says so).
	RequireSigned *bool `yaml:"require_signed"`
	// RequireSignedStarts refuses runs whose start is not signed by one
	// of Keys (cordon serve signs the starts of signed-in people and of
	// its webhook). Default true, except for the --dev worker.
	RequireSignedStarts *bool `yaml:"require_signed_starts"`
	// Keys are the public keys of the signers (cordon serve) accepted.
	Keys []KeyConfig `yaml:"keys"`
	// MaxAge is how old a signature may be when it reaches the worker;
	// default DefaultMaxAge.
	MaxAge time.Duration `yaml:"max_age"`
}

// KeyConfig names one public key: a PEM file ("PUBLIC KEY", as written by
// cordon keygen or openssl pkey -pubout), relative to the guardrail file.
type KeyConfig struct {
	ID   string `yaml:"id"`
	File string `yaml:"file"`
}

// DefaultMaxAge is how long a signed decision stays valid: long enough for
// a slow network, short enough that a captured one is soon useless.
const DefaultMaxAge = 10 * time.Minute

// Keyring loads the policy's public keys; dir resolves relative files.
func (p Policy) Keyring(dir string) (Keyring, error) {
	k := Keyring{}
	for i, kc := range p.Keys {
		if kc.ID == "" || kc.File == "" {
			return nil, fmt.Errorf("approvals.keys[%d]: id and file are required", i)
		}
		if _, dup := k[kc.ID]; dup {
			return nil, fmt.Errorf("approvals.keys[%d]: key id %q is listed twice", i, kc.ID)
		}
		path := kc.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		pub, err := LoadPublicKey(path)
		if err != nil {
			return nil, fmt.Errorf("approvals.keys[%d] (%s): %w", i, kc.ID, err)
		}
		k[kc.ID] = pub
	}
	return k, nil
}

// Required says whether unsigned decisions are refused, given whether the
// worker runs with --dev.
func (p Policy) Required(dev bool) bool {
	if p.RequireSigned != nil {
		return *p.RequireSigned
	}
	return !dev
}

// StartsRequired says whether unsigned starts are refused, given whether
// the worker runs with --dev.
func (p Policy) StartsRequired(dev bool) bool {
	if p.RequireSignedStarts != nil {
		return *p.RequireSignedStarts
	}
	return !dev
}

// LoadPublicKey reads an Ed25519 public key from a PEM file.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%s: not a PEM PUBLIC KEY", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return pub, nil
}

// LoadSigner reads an Ed25519 private key from a PEM file ("PRIVATE KEY",
// PKCS #8, as written by cordon keygen or openssl genpkey -algorithm
// ed25519). The error never includes the key material.
func LoadSigner(path, keyID string) (*Signer, error) {
	if keyID == "" {
		return nil, fmt.Errorf("signing key %s: a key id is required", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PKCS #8 private key", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return &Signer{KeyID: keyID, Key: priv}, nil
}

// GenerateFiles writes a new key pair: the private key to privPath (mode
// 0600) and the public key to privPath + ".pub".
func GenerateFiles(privPath string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	pb, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(privPath+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pb}), 0o644)
}
