package payloadstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Driver names are written into every claim in history: never change them,
// or stored payloads of existing runs can no longer be read.
const (
	FileDriverName = "cordon-file"
	S3DriverName   = "cordon-s3"
)

// claimKey is the claim's one field: the payload's sha256 in hex.
const claimKey = "sha256"

// ErrBadClaim is returned for a claim this store did not write (a missing
// or malformed key); ErrCorrupt when the stored bytes no longer match it.
var (
	ErrBadClaim = errors.New("not a claim of this payload store")
	ErrCorrupt  = errors.New("stored payload does not match its claim")
)

// FileDriver stores payloads as files under a directory:
// DIR/sha256/ab/abcdef... (the payload's protobuf encoding). It is the dev
// stack's store: every process that reads claims must see the directory.
type FileDriver struct{ dir string }

// NewFileDriver returns a driver over dir (created on the first store).
func NewFileDriver(dir string) *FileDriver { return &FileDriver{dir: dir} }

// Name implements converter.StorageDriver.
func (d *FileDriver) Name() string { return FileDriverName }

// Type implements converter.StorageDriver.
func (d *FileDriver) Type() string { return KindFile }

func (d *FileDriver) path(sum string) string {
	return filepath.Join(d.dir, "sha256", sum[:2], sum)
}

// Store writes each payload once; storing the same payload again only
// refreshes its modification time, which is what Prune and the retention
// cleanup go by.
func (d *FileDriver) Store(ctx converter.StorageDriverStoreContext, payloads []*commonpb.Payload) ([]converter.StorageDriverClaim, error) {
	return storeEach(ctx, payloads, func(sum string, data []byte) error { return writeOnce(d.path(sum), data) })
}

// Retrieve reads each claimed payload and checks it against its hash.
func (d *FileDriver) Retrieve(ctx converter.StorageDriverRetrieveContext, claims []converter.StorageDriverClaim) ([]*commonpb.Payload, error) {
	return retrieveEach(ctx, claims, func(sum string) ([]byte, error) {
		data, err := os.ReadFile(d.path(sum))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("stored payload %s is gone (removed after the retention period?): %w", sum, err)
		}
		return data, err
	})
}

// Prune removes stored payloads not written or re-stored within keep: run
// it with the namespace's retention (plus a margin) so that every claim in
// a retained history stays readable. It returns how many files it removed.
func (d *FileDriver) Prune(keep time.Duration, now time.Time) (int, error) {
	cutoff := now.Add(-keep)
	removed := 0
	err := filepath.WalkDir(filepath.Join(d.dir, "sha256"), func(path string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		if info.ModTime().Before(cutoff) {
			if err := os.Remove(path); err == nil {
				removed++
			}
		}
		return nil
	})
	return removed, err
}

func writeOnce(path string, data []byte) error {
	now := time.Now()
	if err := os.Chtimes(path, now, now); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// encode returns the payload's bytes as stored and their sha256 in hex.
// storeEach encodes each payload, hands it to put under its SHA-256 within
// the SDK's limiter, and returns the claims naming the hashes: the part of
// Store every driver shares.
func storeEach(ctx converter.StorageDriverStoreContext, payloads []*commonpb.Payload, put func(sum string, data []byte) error) ([]converter.StorageDriverClaim, error) {
	claims := make([]converter.StorageDriverClaim, len(payloads))
	for i, p := range payloads {
		err := ctx.GetLimiter().Permit(ctx.Context, p, func() error {
			data, sum, err := encode(p)
			if err != nil {
				return err
			}
			if err := put(sum, data); err != nil {
				return err
			}
			claims[i] = claim(sum)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return claims, nil
}

// retrieveEach reads each claimed payload with get, within the SDK's
// limiter, and checks it against its hash: the part of Retrieve every
// driver shares.
func retrieveEach(ctx converter.StorageDriverRetrieveContext, claims []converter.StorageDriverClaim, get func(sum string) ([]byte, error)) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(claims))
	for i, c := range claims {
		err := ctx.GetLimiter().Permit(ctx.Context, c, func() error {
			sum, err := claimSum(c)
			if err != nil {
				return err
			}
			data, err := get(sum)
			if err != nil {
				return err
			}
			out[i], err = decode(data, sum)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func encode(p *commonpb.Payload) ([]byte, string, error) {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
	if err != nil {
		return nil, "", fmt.Errorf("encoding payload: %w", err)
	}
	h := sha256.Sum256(data)
	return data, hex.EncodeToString(h[:]), nil
}

func decode(data []byte, sum string) (*commonpb.Payload, error) {
	h := sha256.Sum256(data)
	if hex.EncodeToString(h[:]) != sum {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, sum)
	}
	var p commonpb.Payload
	if err := proto.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, sum, err)
	}
	return &p, nil
}

func claim(sum string) converter.StorageDriverClaim {
	return converter.StorageDriverClaim{ClaimData: map[string]string{claimKey: sum}}
}

// claimSum returns the claim's hash after checking it is 64 hex digits,
// so a claim from outside (the codec endpoint) cannot name another file.
func claimSum(c converter.StorageDriverClaim) (string, error) {
	sum := c.ClaimData[claimKey]
	if len(sum) != sha256.Size*2 {
		return "", ErrBadClaim
	}
	for _, r := range sum {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return "", ErrBadClaim
		}
	}
	return sum, nil
}
