package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// nextLink returns the rel="next" target of a response's Link headers.
// Okta sends one Link header per relation, but a proxy may fold them into
// one comma-separated value, so both forms are read.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range splitLinks(v) {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.EqualFold(strings.Trim(val, `"`), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header value on the commas between link-values,
// not on commas inside <...> (Okta's query strings may hold them).
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// List fetches path and follows rel="next" links until the last page, an
// empty page (the System Log's polling queries always have a next link),
// or max items (max <= 0 means all). It follows each next link exactly as
// Okta sent it, never rebuilding the cursor, but only within the org's
// own scheme and host, so the token is never sent elsewhere.
func (c *Client) List(ctx context.Context, path string, query url.Values, max int) ([]json.RawMessage, error) {
	u := *c.base
	u.Path = c.prefix + path
	u.RawQuery = query.Encode()
	var all []json.RawMessage
	seen := map[string]bool{}
	for next := &u; next != nil; {
		var page []json.RawMessage
		resp, err := c.doURL(ctx, http.MethodGet, next, nil, &page)
		if err != nil {
			return all, err
		}
		all = append(all, page...)
		if max > 0 && len(all) >= max {
			return all[:max], nil
		}
		if len(page) == 0 || resp.Next == "" {
			return all, nil
		}
		seen[next.String()] = true
		if next, err = c.followable(resp.Next); err != nil {
			return all, err
		}
		if seen[next.String()] {
			return all, nil // a next link pointing back: stop rather than loop
		}
	}
	return all, nil
}

func (c *Client) followable(link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, &RequestError{Method: http.MethodGet, Path: "(next link)", Err: fmt.Errorf("unparsable Link: %w", err)}
	}
	if !u.IsAbs() {
		u = c.base.ResolveReference(u)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return nil, &RequestError{Method: http.MethodGet, Path: "(next link)",
			Err: fmt.Errorf("next link points to %s://%s, not the org", u.Scheme, u.Host)}
	}
	return u, nil
}
