package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// approvalOpts are cordon serve's approvals page settings.
type approvalOpts struct {
	issuer, clientID, publicURL, keyFile, keyID, guardrails *string
}

func approvalFlags(fs *flag.FlagSet) approvalOpts {
	return approvalOpts{
		issuer:     fs.String("oidc-issuer", os.Getenv("CORDON_OIDC_ISSUER"), "OpenID Connect issuer `URL` people sign in with, e.g. https://acme.okta.com/oauth2/default (enables /approvals)"),
		clientID:   fs.String("oidc-client-id", envOr("CORDON_OIDC_CLIENT_ID", "cordon"), "OIDC client `ID` (secret, if any, from CORDON_OIDC_CLIENT_SECRET)"),
		publicURL:  fs.String("public-url", os.Getenv("CORDON_PUBLIC_URL"), "`URL` people reach this server at (default http://ADDR); the redirect URI is URL/auth/callback"),
		keyFile:    fs.String("signing-key", os.Getenv("CORDON_SIGNING_KEY"), "Ed25519 private key `FILE` starts and decisions are signed with (cordon keygen); alone, it signs the webhook's starts"),
		keyID:      fs.String("signing-key-id", envOr("CORDON_SIGNING_KEY_ID", "serve-1"), "the key's `ID`, as in the workers' approvals.keys"),
		guardrails: fs.String("guardrails", os.Getenv("CORDON_GUARDRAILS"), "the workers' guardrail `FILE`; its permissions: decide who may start which playbooks"),
	}
}

// webhookSigner is the key the webhook's starts are signed with, when
// --signing-key is set; nil leaves them unsigned.
func (o approvalOpts) webhookSigner() (*signing.Signer, error) {
	if *o.keyFile == "" {
		return nil, nil
	}
	return signing.LoadSigner(*o.keyFile, *o.keyID)
}

// handler builds the approvals page, or returns nil when it is not
// configured (no issuer): serve is then only the webhook. signer is
// webhookSigner's key: the key file is read once for both.
func (o approvalOpts) handler(ctx context.Context, c client.Client, addr string, signer *signing.Signer, lib runs.Library, pbs func() []*playbook.Playbook, logger *slog.Logger) (*approvals.Handler, error) {
	if *o.issuer == "" && *o.keyFile == "" {
		logger.Info("approvals page off: set --oidc-issuer and --signing-key to serve /approvals")
		return nil, nil
	}
	if *o.keyFile == "" {
		return nil, errors.New("the approvals page needs both --oidc-issuer and --signing-key (CORDON_OIDC_ISSUER, CORDON_SIGNING_KEY)")
	}
	if *o.issuer == "" {
		logger.Info("approvals page off: set --oidc-issuer to serve /approvals; --signing-key signs the webhook's starts")
		return nil, nil
	}
	public := *o.publicURL
	if public == "" {
		public = "http://" + addr
	}
	var perms workflows.Permissions
	if *o.guardrails != "" {
		g, err := guard.Load(*o.guardrails)
		if err != nil {
			return nil, err
		}
		perms = g.Permissions
	}
	var sessionKey []byte
	if k := os.Getenv("CORDON_SESSION_KEY"); k != "" {
		sessionKey = []byte(k)
	}
	return approvals.New(ctx, approvals.Config{Temporal: c, Signer: signer, Issuer: *o.issuer, ClientID: *o.clientID,
		ClientSecret: os.Getenv("CORDON_OIDC_CLIENT_SECRET"), PublicURL: public, SessionKey: sessionKey, Logger: logger,
		Library: lib, Playbooks: pbs, Permissions: perms})
}
