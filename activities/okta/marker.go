package okta

import "context"

// A marker names the Cordon operation a request belongs to. The client
// appends it to the request's User-Agent, which Okta records in the System
// Log event of the write (client.userAgent.rawUserAgent), so that a retry
// can tell the changes its own earlier attempts made from anyone else's:
// the connection's identity alone cannot, since an admin may use the same
// token. See activities/attribution.go.

type markerKey struct{}

// WithMarker returns ctx whose requests carry marker in their User-Agent.
// marker must be User-Agent-safe (a product token and a comment).
func WithMarker(ctx context.Context, marker string) context.Context {
	return context.WithValue(ctx, markerKey{}, marker)
}

// MarkerOf returns the marker ctx's requests carry, or "".
func MarkerOf(ctx context.Context) string {
	m, _ := ctx.Value(markerKey{}).(string)
	return m
}

func userAgent(ctx context.Context, base string) string {
	if m := MarkerOf(ctx); m != "" {
		return base + " " + m
	}
	return base
}
