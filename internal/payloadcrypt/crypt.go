// Package payloadcrypt is Cordon's optional payload encryption: a Temporal
// payload codec (converter.PayloadCodec) that seals every payload with
// AES-256-GCM before it leaves the process, so alerts, user profiles and
// logins are not readable in Temporal's database, its Web UI or the
// payload store. Every client and worker Cordon creates uses it when keys
// are configured (CORDON_PAYLOAD_KEYS or CORDON_PAYLOAD_KEYS_FILE).
//
// Keys have ids; an encrypted payload names its key in its metadata
// (encryption-key-id), so keys rotate: decrypt with any configured key,
// encrypt with the newest (the last one listed). Keep an old key until
// every history and stored payload sealed with it has passed retention.
package payloadcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	// Encoding is the metadata encoding of an encrypted payload.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that sealed the payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the cipher (AES-256-GCM).
	MetadataCipher = "encryption-cipher"
	cipherName     = "AES256-GCM"
)

// Environment.
const (
	// EnvKeys lists keys inline: "id1:BASE64,id2:BASE64" (32 bytes each,
	// standard base64); the last is the one that encrypts.
	EnvKeys = "CORDON_PAYLOAD_KEYS"
	// EnvKeysFile names a file of keys, one "id:BASE64" per line (# comments);
	// the last line's key encrypts.
	EnvKeysFile = "CORDON_PAYLOAD_KEYS_FILE"
)

var (
	// ErrUnknownKey is returned when a payload names a key that is not
	// configured here.
	ErrUnknownKey = errors.New("payload encrypted with a key that is not configured")
	// ErrBadKey is returned for a malformed key list.
	ErrBadKey = errors.New("bad payload key")
)

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Codec seals and opens payloads. Build it with New.
type Codec struct {
	aeads  map[string]cipher.AEAD
	newest string
}

// Key is one named 32-byte key.
type Key struct {
	ID    string
	Bytes []byte
}

// New returns a codec over keys; the last one encrypts.
func New(keys []Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrBadKey)
	}
	c := &Codec{aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if !keyID.MatchString(k.ID) {
			return nil, fmt.Errorf("%w: id %q: want 1-64 of A-Z a-z 0-9 . _ -", ErrBadKey, k.ID)
		}
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("%w: id %q listed twice", ErrBadKey, k.ID)
		}
		if len(k.Bytes) != 32 {
			return nil, fmt.Errorf("%w: key %q has %d bytes, AES-256 needs 32 (openssl rand -base64 32)", ErrBadKey, k.ID, len(k.Bytes))
		}
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads[k.ID] = aead
		c.newest = k.ID
	}
	return c, nil
}

// KeyID is the id of the key that encrypts.
func (c *Codec) KeyID() string { return c.newest }

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.newest]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		// The key id is authenticated too: a payload cannot be relabelled.
		sealed := aead.Seal(nonce, nonce, plain, []byte(c.newest))
		out[i] = &commonpb.Payload{Metadata: map[string][]byte{
			converter.MetadataEncoding: []byte(Encoding),
			MetadataKeyID:              []byte(c.newest),
			MetadataCipher:             []byte(cipherName),
		}, Data: sealed}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. Payloads that are not
// encrypted (recorded before encryption was turned on) pass unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("%w: %q (configured: %s)", ErrUnknownKey, id, strings.Join(c.ids(), ", "))
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, fmt.Errorf("encrypted payload too short (%d bytes)", len(data))
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("payload sealed with key %q does not open: %w", id, err)
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return nil, err
		}
		out[i] = &dec
	}
	return out, nil
}

func (c *Codec) ids() []string {
	var out []string
	for id := range c.aeads {
		out = append(out, id)
	}
	return out
}

// ParseKeys reads "id:BASE64" entries separated by commas or newlines;
// blank entries and lines starting with # are skipped. Errors never echo
// key material.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for n, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.HasPrefix(entry, "#") {
			continue
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("%w: entry %d: want id:BASE64", ErrBadKey, n+1)
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("%w: key %q is not standard base64", ErrBadKey, strings.TrimSpace(id))
		}
		keys = append(keys, Key{ID: strings.TrimSpace(id), Bytes: b})
	}
	return keys, nil
}

// FromEnv returns the codec the environment configures, or nil when
// neither CORDON_PAYLOAD_KEYS nor CORDON_PAYLOAD_KEYS_FILE is set.
func FromEnv(getenv func(string) string) (*Codec, error) {
	inline, file := getenv(EnvKeys), getenv(EnvKeysFile)
	switch {
	case inline == "" && file == "":
		return nil, nil
	case inline != "" && file != "":
		return nil, fmt.Errorf("set %s or %s, not both", EnvKeys, EnvKeysFile)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKeysFile, err)
		}
		inline = string(b)
	}
	keys, err := ParseKeys(inline)
	if err != nil {
		return nil, err
	}
	return New(keys)
}

// DataConverter is the SDK's default converter with c applied; with a nil
// c, the default converter. It encodes every payload a client or worker
// writes: inputs, results, heartbeats, markers and memos (the client
// encodes a start's memo with it, getWorkflowMemo in
// go.temporal.io/sdk@v1.50.0/internal/internal_workflow_client.go).
// Failures are not payloads: pair it with FailureConverter.
func DataConverter(c *Codec) converter.DataConverter {
	if c == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter encodes failures with c. The SDK's default failure
// converter encodes an error's details with the default data converter,
// not the client's, and keeps the message and stack trace as plain text
// on the failure (DefaultFailureConverter in
// go.temporal.io/sdk@v1.50.0/internal/failure_converter.go): a failed
// run's details (its status, every step's output) would reach the
// database as json/plain. With c, details go through DataConverter(c)
// and EncodeCommonAttributes moves message and stack trace into an
// encoded payload (the failure's message reads "Encoded failure"). With
// a nil c, the SDK's default.
func FailureConverter(c *Codec) converter.FailureConverter {
	if c == nil {
		return temporal.GetDefaultFailureConverter()
	}
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: DataConverter(c), EncodeCommonAttributes: true,
	})
}
