// Package payloadstore keeps large Temporal payloads out of workflow
// history with the SDK's External Storage (the claim-check pattern): a
// payload at or above Config.Threshold is written to a driver here and only
// a small claim goes through history. It owns the two drivers (a directory
// for the dev stack, an S3-compatible bucket for clusters), their
// configuration from the environment, and the codec endpoint that lets the
// Temporal Web UI show stored payloads (codec.go).
//
// Every client and worker Cordon creates must use the same configuration:
// a claim written by the worker is read by the CLI (run results), by the
// worker again on replay, and by the Web UI through the codec endpoint.
// Claims are content-addressed (sha256 of the payload), so a retried store
// writes the same object and a retrieve verifies what it read.
package payloadstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"go.temporal.io/sdk/converter"
)

// Kinds of store.
const (
	KindOff  = "off"
	KindFile = "file"
	KindS3   = "s3"
)

// Environment variables read by FromEnv.
const (
	EnvStore       = "CORDON_PAYLOAD_STORE"     // off | file | s3
	EnvDir         = "CORDON_PAYLOAD_DIR"       // file: directory; default DefaultDir
	EnvThreshold   = "CORDON_PAYLOAD_THRESHOLD" // bytes; default 262144
	EnvS3Endpoint  = "CORDON_S3_ENDPOINT"       // e.g. http://minio:9000; empty: AWS
	EnvS3Bucket    = "CORDON_S3_BUCKET"
	EnvS3Prefix    = "CORDON_S3_PREFIX"     // default "cordon/"
	EnvS3Region    = "CORDON_S3_REGION"     // default us-east-1
	EnvS3PathStyle = "CORDON_S3_PATH_STYLE" // default true with an endpoint
	EnvAccessKey   = "AWS_ACCESS_KEY_ID"
	EnvSecretKey   = "AWS_SECRET_ACCESS_KEY"
	EnvSessionTok  = "AWS_SESSION_TOKEN"
)

// Defaults.
const (
	// DefaultThreshold is the SDK's own default: payloads from 256 KiB on
	// are stored, well below Temporal's 2 MiB per-payload error limit.
	DefaultThreshold = 256 * 1024
	// DefaultDir is the file store of the dev stack (worker --dev with the
	// default --data-dir .cordon).
	DefaultDir      = ".cordon/payloads"
	DefaultS3Prefix = "cordon/"
	DefaultS3Region = "us-east-1"
)

// Config selects and configures the store. The zero value is off.
type Config struct {
	Kind      string // KindOff (or ""), KindFile, KindS3
	Threshold int    // bytes; 0 means DefaultThreshold
	Dir       string // KindFile: directory of the stored payloads
	S3        S3Config
}

// S3Config configures the S3-compatible driver (AWS S3, MinIO, ...).
type S3Config struct {
	Endpoint  string // empty: AWS's regional endpoint
	Bucket    string
	Prefix    string // object key prefix; default DefaultS3Prefix
	Region    string // default DefaultS3Region
	PathStyle bool   // bucket in the path (MinIO); default true with an Endpoint
	AccessKey string
	SecretKey string
	Session   string
}

// Enabled reports whether payloads are stored.
func (c Config) Enabled() bool { return c.Kind != "" && c.Kind != KindOff }

// ErrBadConfig wraps every configuration error.
var ErrBadConfig = errors.New("payload store")

// FromEnv reads the configuration from getenv. def is the store used when
// CORDON_PAYLOAD_STORE is unset (the worker's --dev passes a file store
// under its --data-dir; everything else passes Config{}).
func FromEnv(getenv func(string) string, def Config) (Config, error) {
	c := def
	if k := strings.ToLower(strings.TrimSpace(getenv(EnvStore))); k != "" {
		c = Config{Kind: k, Dir: def.Dir}
	}
	if d := getenv(EnvDir); d != "" {
		c.Dir = d
	}
	if c.Kind == KindFile && c.Dir == "" {
		c.Dir = DefaultDir
	}
	if t := getenv(EnvThreshold); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1024 {
			return Config{}, fmt.Errorf("%w: %s=%q must be a number of bytes, at least 1024", ErrBadConfig, EnvThreshold, t)
		}
		c.Threshold = n
	}
	if c.Kind == KindS3 {
		c.S3 = S3Config{Endpoint: getenv(EnvS3Endpoint), Bucket: getenv(EnvS3Bucket), Prefix: getenv(EnvS3Prefix),
			Region: getenv(EnvS3Region), AccessKey: getenv(EnvAccessKey), SecretKey: getenv(EnvSecretKey), Session: getenv(EnvSessionTok)}
		c.S3.PathStyle = c.S3.Endpoint != ""
		if v := getenv(EnvS3PathStyle); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("%w: %s=%q must be true or false", ErrBadConfig, EnvS3PathStyle, v)
			}
			c.S3.PathStyle = b
		}
	}
	return c, c.validate()
}

func (c Config) validate() error {
	switch c.Kind {
	case "", KindOff:
		return nil
	case KindFile:
		if c.Dir == "" {
			return fmt.Errorf("%w: file store needs a directory (%s)", ErrBadConfig, EnvDir)
		}
	case KindS3:
		if c.S3.Bucket == "" {
			return fmt.Errorf("%w: s3 store needs a bucket (%s)", ErrBadConfig, EnvS3Bucket)
		}
		if (c.S3.AccessKey == "") != (c.S3.SecretKey == "") {
			return fmt.Errorf("%w: set both %s and %s, or neither", ErrBadConfig, EnvAccessKey, EnvSecretKey)
		}
	default:
		return fmt.Errorf("%w: %s=%q: want off, file or s3", ErrBadConfig, EnvStore, c.Kind)
	}
	if c.Threshold < 0 {
		return fmt.Errorf("%w: negative threshold", ErrBadConfig)
	}
	return nil
}

// String describes the store for logs, without credentials.
func (c Config) String() string {
	switch c.Kind {
	case KindFile:
		return "file " + filepath.Clean(c.Dir)
	case KindS3:
		ep := c.S3.Endpoint
		if ep == "" {
			ep = "aws"
		}
		return fmt.Sprintf("s3 %s bucket %s prefix %q", ep, c.S3.Bucket, c.S3.prefix())
	}
	return KindOff
}

// Driver builds the configured driver; nil when the store is off.
func (c Config) Driver() (converter.StorageDriver, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	switch c.Kind {
	case KindFile:
		return NewFileDriver(c.Dir), nil
	case KindS3:
		return NewS3Driver(c.S3)
	}
	return nil, nil
}

// ExternalStorage returns the SDK option for client.Options.ExternalStorage:
// the zero value (no storage) when the store is off.
func (c Config) ExternalStorage() (converter.ExternalStorage, error) {
	d, err := c.Driver()
	if err != nil || d == nil {
		return converter.ExternalStorage{}, err
	}
	return converter.ExternalStorage{Drivers: []converter.StorageDriver{WithInlineFallback(d, nil)}, PayloadSizeThreshold: c.threshold()}, nil
}

func (c Config) threshold() int {
	if c.Threshold > 0 {
		return c.Threshold
	}
	return DefaultThreshold
}
