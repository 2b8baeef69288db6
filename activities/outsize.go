package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/cordonsec/cordon/action"
)

// DefaultMaxOutputBytes is Temporal's default per-payload error limit
// (the server's limit.blobSize.error, 2 MiB). Without a payload store an
// activity result above it can never be recorded.
const DefaultMaxOutputBytes = 2 << 20

// limitOutput wraps an action so that, without a payload store, a result
// too large for Temporal fails at once and for good, naming the size, the
// limit and the fix. Left to the SDK, the same result fails with a
// retryable "[TMPRL1103] ... exceeded the error limit" that names neither,
// and each retry repeats every Okta call for a certain failure.
func (a *Activities) limitOutput(act *action.Action, fn Func) Func {
	if a.MaxOutputBytes <= 0 {
		return fn
	}
	return func(ctx context.Context, req action.Request) (any, error) {
		out, err := fn(ctx, req)
		if err != nil || out == nil {
			return out, err
		}
		p, cerr := converter.GetDefaultDataConverter().ToPayload(out)
		if cerr != nil {
			return out, nil // the SDK reports the encoding error itself
		}
		if size := proto.Size(p); size > a.MaxOutputBytes {
			return nil, appError(outputTooLarge(act, size, a.MaxOutputBytes), action.ErrOutputTooLarge, temporal.ApplicationErrorOptions{})
		}
		return out, nil
	}
}

func outputTooLarge(act *action.Action, size, limit int) string {
	fix := "select fewer items"
	if _, ok := act.Param(action.ParamFields); ok {
		fix = "keep fewer fields per item with `fields:` (e.g. [id, status, profile.login])"
		if _, ok := act.Param(action.ParamSearch); ok {
			fix += ", select fewer users with `search:` or `filter:`"
		}
	}
	return fmt.Sprintf("%s output is %s (%d bytes), over Temporal's payload limit of %s (%d bytes): %s, "+
		"or enable the payload store (CORDON_PAYLOAD_STORE, see docs/operations.md)",
		act.Title, humanBytes(size), size, humanBytes(limit), limit, fix)
}

// humanBytes renders a size as KiB or MiB with one decimal.
func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
