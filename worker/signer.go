package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/workflows"
)

// DevKeyID is the id of the key pair worker --dev creates and trusts.
const DevKeyID = "cordon-dev"

// startSigner is the key the worker signs its own starts with (the System
// Log intake's runs, the health check's alert runs, the --dev demo):
// CORDON_SIGNING_KEY (and CORDON_SIGNING_KEY_ID, default serve-1), the
// same key cordon serve signs with; under --dev without one, a key pair
// kept in the data directory, which the worker also trusts. A worker
// signs only with a key its own approvals.keys trusts, so a typo cannot
// make every run it starts refused. nil: the worker's starts are unsigned.
func startSigner(cfg config, p *workflows.ApprovalPolicy) (*signing.Signer, error) {
	path, id := os.Getenv("CORDON_SIGNING_KEY"), envOr("CORDON_SIGNING_KEY_ID", "serve-1")
	if path == "" && !cfg.dev {
		return nil, nil
	}
	if path == "" {
		path, id = filepath.Join(cfg.dataDir, "dev-signing.key"), DevKeyID
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
				return nil, err
			}
			if err := signing.GenerateFiles(path); err != nil {
				return nil, fmt.Errorf("creating the dev signing key: %w", err)
			}
		}
	}
	s, err := signing.LoadSigner(path, id)
	if err != nil {
		return nil, err
	}
	pub := s.Key.Public().(ed25519.PublicKey)
	if id == DevKeyID && cfg.dev {
		if p.Keys == nil {
			p.Keys = signing.Keyring{}
		}
		p.Keys[id] = pub
		return s, nil
	}
	if have, ok := p.Keys[id]; !ok || !bytes.Equal(have, pub) {
		return nil, fmt.Errorf("CORDON_SIGNING_KEY (%s, key id %s) is not the public key approvals.keys lists as %s: the worker signs its own starts only with a key it trusts", path, id, id)
	}
	return s, nil
}
