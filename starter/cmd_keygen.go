package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/signing"
)

func keygenCommand() cli.Command {
	return cli.Command{
		Name: "keygen", Summary: "create the Ed25519 key pair cordon serve signs approval decisions with",
		Usage: "FILE", MinArgs: 1, MaxArgs: 1,
		Help: "Writes the private key to FILE (mode 0600, PEM PKCS #8) and the public key to FILE.pub.\n" +
			"Give cordon serve FILE (--signing-key) and the worker FILE.pub (approvals.keys in the guardrail file).",
		Setup: func(fs *flag.FlagSet) cli.Action {
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if _, err := os.Stat(args[0]); err == nil {
					return cli.Exit(cli.ExitFailed, fmt.Errorf("%s exists; refusing to overwrite a key", args[0]))
				}
				if err := signing.GenerateFiles(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(io.Out, "wrote %s and %s.pub\n", args[0], args[0])
				return nil
			}
		},
	}
}
