package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// StartClaims are the signed fields of a run's start: which pinned
// playbook (and library) runs, with which inputs and alert, under which
// workflow id and nonce, started by whom. cordon serve signs them for a
// signed-in person (and for its webhook's service identity); the worker
// verifies them before the run's first step, so a client that can reach
// Temporal cannot start a run as someone else, nor start one again by
// replaying a start it saw.
type StartClaims struct {
	Run            string            `json:"run"`   // workflow id
	Nonce          string            `json:"nonce"` // random, one per start
	Playbook       string            `json:"playbook"`
	PlaybookSHA256 string            `json:"playbook_sha256"`
	Library        map[string]string `json:"library"` // name -> sha256 of each pinned library playbook
	Inputs         map[string]any    `json:"inputs"`
	AlertID        string            `json:"alert_id"`
	AlertSHA256    string            `json:"alert_sha256"` // of the alert's JSON encoding; "" without an alert
	DryRun         bool              `json:"dry_run"`
	// Connection is the run's connection override; omitted when empty, so
	// starts signed before connections encode as they did.
	Connection string    `json:"connection,omitempty"`
	StartedBy  string    `json:"started_by"` // the canonical identity
	Login      string    `json:"login"`
	Groups     []string  `json:"groups"`
	SignedAt   time.Time `json:"signed_at"`
}

// startPrefix separates start signatures from decision signatures: a
// signed decision can never pass for a signed start or the reverse.
const startPrefix = "cordon-run-start-v1\n"

// Message is the exact byte string signed for c. Maps encode with sorted
// keys, so the encoding does not depend on map order.
func (c StartClaims) Message() ([]byte, error) {
	c.SignedAt = c.SignedAt.UTC()
	if c.Groups == nil {
		c.Groups = []string{}
	}
	if c.Library == nil {
		c.Library = map[string]string{}
	}
	if c.Inputs == nil {
		c.Inputs = map[string]any{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding the start's claims: %w", err)
	}
	return append([]byte(startPrefix), b...), nil
}

// JSONHash is the hex SHA-256 of v's JSON encoding; "" for nil. A signed
// start binds its alert with it.
func JSONHash(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SignStart returns the base64 signature of c.
func (s *Signer) SignStart(c StartClaims) (string, error) {
	msg, err := c.Message()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.Key, msg)), nil
}

// VerifyStart checks sig over c with the key named keyID.
func (k Keyring) VerifyStart(keyID string, c StartClaims, sig string) error {
	msg, err := c.Message()
	if err != nil {
		return err
	}
	return k.verify(keyID, msg, sig)
}
