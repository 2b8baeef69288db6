package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Zone is a network zone as Okta sent it. It is kept as a generic object so
// a read-modify-write (block IPs, update zone) sends back every field Okta
// returned, including ones this client does not know, and `system: true`,
// which Okta requires when writing BlockedIpZone.
type Zone map[string]any

// Str returns a string field ("" when absent).
func (z Zone) Str(key string) string { s, _ := z[key].(string); return s }

// System reports a system zone (BlockedIpZone, LegacyIpZone, ...).
func (z Zone) System() bool { b, _ := z["system"].(bool); return b }

// ListZones lists network zones matching filter, starting after the
// cursor after (may be ""), up to max (max <= 0: all).
func (c *Client) ListZones(ctx context.Context, filter, after string, max int) ([]json.RawMessage, error) {
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	if after != "" {
		q.Set("after", after)
	}
	return c.List(ctx, "/zones", pageQuery(q, max, pageZones), max)
}

// GetZone fetches a zone.
func (c *Client) GetZone(ctx context.Context, id string) (Zone, error) {
	var z Zone
	_, err := c.Do(ctx, http.MethodGet, "/zones/"+seg(id), nil, nil, &z)
	return z, err
}

// CreateZone creates a zone (Okta answers 200 with the zone).
func (c *Client) CreateZone(ctx context.Context, z Zone) (Zone, error) {
	var out Zone
	_, err := c.Do(ctx, http.MethodPost, "/zones", nil, z, &out)
	return out, err
}

// ReplaceZone replaces a zone with z (a full replacement: omitted lists
// are cleared).
func (c *Client) ReplaceZone(ctx context.Context, id string, z Zone) (Zone, error) {
	var out Zone
	_, err := c.Do(ctx, http.MethodPut, "/zones/"+seg(id), nil, z, &out)
	return out, err
}

// DeactivateZone sets a zone INACTIVE (idempotent at Okta).
func (c *Client) DeactivateZone(ctx context.Context, id string) (Zone, error) {
	var out Zone
	_, err := c.Do(ctx, http.MethodPost, "/zones/"+seg(id)+"/lifecycle/deactivate", nil, nil, &out)
	return out, err
}

// DeleteZone deletes an INACTIVE zone.
func (c *Client) DeleteZone(ctx context.Context, id string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/zones/"+seg(id), nil, nil, nil)
	return err
}
