// Package temporalx connects Cordon's binaries to a Temporal cluster.
//
// The worker and the cordon CLI find their cluster the same way, following
// the Temporal SDK's environment conventions (go.temporal.io/sdk/contrib/envconfig):
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
// TEMPORAL_PROFILE and the optional temporal.toml config file. With nothing
// set they reach the dev stack (`make run`) at 127.0.0.1:7233, namespace
// "default". Keeping this in one package means one error message for an
// unreachable server, which is the first thing a newcomer sees.
package temporalx

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	sdklog "go.temporal.io/sdk/log"

	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
)

const (
	// DefaultAddress is where the dev stack listens (worker --dev). It is an
	// IP rather than "localhost" so IPv6-first resolvers do not miss it.
	DefaultAddress = "127.0.0.1:7233"
	// DefaultNamespace is the namespace the dev stack creates.
	DefaultNamespace = "default"
	// DialTimeout bounds the first connection check when the caller's
	// context has no deadline, so an unreachable server fails fast.
	DialTimeout = 10 * time.Second
)

// ClientOptions loads client options from the environment (see the package
// doc) and fills Cordon's defaults, the slog adapter, the payload store
// (see StoreConfig) and the payload encryption (CORDON_PAYLOAD_KEYS or
// CORDON_PAYLOAD_KEYS_FILE, package payloadcrypt).
func ClientOptions(logger *slog.Logger) (client.Options, error) {
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return client.Options{}, fmt.Errorf("loading Temporal client settings: %w", err)
	}
	if opts.HostPort == "" {
		opts.HostPort = DefaultAddress
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(logger)
	}
	store, err := StoreConfig(opts.HostPort, payloadstore.Config{})
	if err != nil {
		return client.Options{}, err
	}
	if opts.ExternalStorage, err = store.ExternalStorage(); err != nil {
		return client.Options{}, err
	}
	crypt, err := payloadcrypt.FromEnv(os.Getenv)
	if err != nil {
		return client.Options{}, err
	}
	if crypt != nil {
		opts.DataConverter = payloadcrypt.DataConverter(crypt)
		opts.FailureConverter = payloadcrypt.FailureConverter(crypt)
	}
	return opts, nil
}

// StoreConfig reads the payload store from the environment
// (CORDON_PAYLOAD_STORE and friends, package payloadstore). When nothing
// is set the default is def, except that a client of the dev stack on
// this machine (DefaultAddress) reads and writes the dev stack's file
// store (.cordon/payloads), as `worker --dev` does with the default
// --data-dir: the CLI then sees the payloads the worker stored.
func StoreConfig(hostPort string, def payloadstore.Config) (payloadstore.Config, error) {
	if !def.Enabled() && hostPort == DefaultAddress {
		def = payloadstore.Config{Kind: payloadstore.KindFile, Dir: payloadstore.DefaultDir}
	}
	return payloadstore.FromEnv(os.Getenv, def)
}

// Dial connects to the cluster named by the environment and checks that it
// answers. The error says where it tried and how to fix it.
func Dial(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	opts, err := ClientOptions(logger)
	if err != nil {
		return nil, err
	}
	return DialOptions(ctx, opts)
}

// DialOptions connects with explicit options (the worker's --dev mode uses it
// to reach the embedded server) and gives the same clear error as Dial.
func DialOptions(ctx context.Context, opts client.Options) (client.Client, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DialTimeout)
		defer cancel()
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, &UnreachableError{Address: opts.HostPort, Namespace: opts.Namespace, Err: err}
	}
	return c, nil
}

// UnreachableError reports that no Temporal frontend answered at Address.
type UnreachableError struct {
	Address   string
	Namespace string
	Err       error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach Temporal at %s (namespace %s): %v "+
		"(start the dev stack with `make run`, or set TEMPORAL_ADDRESS)", e.Address, e.Namespace, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
