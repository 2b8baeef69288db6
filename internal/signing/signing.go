// Package signing signs and verifies approval decisions and run starts
// with Ed25519 (starts: start.go).
//
// cordon serve signs each decision a signed-in person makes, over the run,
// the step and the moment it was asked, the decision, the approver and
// their groups, the comment, the SHA-256 of the targets shown and the time
// of signing. The worker verifies the signature in the approve update's
// validator against its configured public keys, so a Temporal client that
// can send updates still cannot decide as someone else. The package does
// no I/O except in the key loaders, and has no Temporal import: the
// workflow verifies with it.
package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Claims are the signed fields of a decision. Their JSON encoding, after
// the prefix below, is what is signed; the field order is fixed by the
// struct.
type Claims struct {
	Run           string    `json:"run"`      // workflow id
	Step          string    `json:"step"`     // approval step id
	AskedAt       time.Time `json:"asked_at"` // when the approval started waiting
	Decision      string    `json:"decision"` // approve | reject
	Approver      string    `json:"approver"`
	ApproverID    string    `json:"approver_id,omitempty"` // the IdP subject; omitted when empty, so older signatures still verify
	Groups        []string  `json:"groups"`
	Comment       string    `json:"comment"`
	TargetsSHA256 string    `json:"targets_sha256"`
	SignedAt      time.Time `json:"signed_at"`
}

// prefix separates Cordon decision signatures from anything else the key
// might sign.
const prefix = "cordon-approval-decision-v1\n"

// Message is the exact byte string signed for c.
func (c Claims) Message() []byte {
	c.AskedAt, c.SignedAt = c.AskedAt.UTC(), c.SignedAt.UTC()
	if c.Groups == nil {
		c.Groups = []string{}
	}
	b, _ := json.Marshal(c) // a struct of strings and times always encodes
	return append([]byte(prefix), b...)
}

// TargetsHash is the hex SHA-256 of a target list, in order, one per line.
// An approval binds its decision to the targets shown with it.
func TargetsHash(targets []string) string {
	h := sha256.New()
	for _, t := range targets {
		h.Write([]byte(t))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Signer signs decisions with one private key.
type Signer struct {
	KeyID string
	Key   ed25519.PrivateKey
}

// Sign returns the base64 signature of c.
func (s *Signer) Sign(c Claims) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.Key, c.Message()))
}

// Keyring holds the public keys a worker accepts, by key id.
type Keyring map[string]ed25519.PublicKey

// Errors of Verify, for callers that tell them apart.
var (
	ErrUnknownKey   = errors.New("unknown signing key")
	ErrBadSignature = errors.New("signature does not verify")
)

// Verify checks sig over c with the key named keyID.
func (k Keyring) Verify(keyID string, c Claims, sig string) error {
	return k.verify(keyID, c.Message(), sig)
}

func (k Keyring) verify(keyID string, msg []byte, sig string) error {
	pub, ok := k[keyID]
	if !ok {
		return fmt.Errorf("%w %q (known: %s)", ErrUnknownKey, keyID, strings.Join(k.IDs(), ", "))
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !ed25519.Verify(pub, msg, raw) {
		return ErrBadSignature
	}
	return nil
}

// IDs lists the key ids, sorted.
func (k Keyring) IDs() []string {
	ids := make([]string, 0, len(k))
	for id := range k {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
