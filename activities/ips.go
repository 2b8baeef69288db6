package activities

// IP entries are parsed by action.ParseIPEntry, the one parser the guardrails
// and the workflow use too. What is particular to zone writes lives here:
// Okta documents IPv4 only for zone gateways and proxies.

import (
	"fmt"

	"github.com/cordonsec/cordon/action"
)

// zoneIPEntries parses entries for a zone write: canonical, de-duplicated,
// IPv4 only.
func zoneIPEntries(items []string) ([]action.IPEntry, error) {
	entries, err := action.ParseIPEntries(items)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.Is4() {
			return nil, fmt.Errorf("%s is IPv6; Okta network zones take IPv4 addresses, CIDRs and ranges only", e)
		}
	}
	return entries, nil
}

// zoneEntries reads a zone's gateway or proxy list as Okta returned it
// ([{type, value}] or null). Entries that do not parse are kept verbatim by
// the caller and simply never match.
func zoneEntries(v any) (raw []any, parsed []*action.IPEntry) {
	list, _ := v.([]any)
	for _, it := range list {
		raw = append(raw, it)
		m, _ := it.(map[string]any)
		val, _ := m["value"].(string)
		if e, err := action.ParseIPEntry(val); err == nil {
			parsed = append(parsed, &e)
		} else {
			parsed = append(parsed, nil)
		}
	}
	return raw, parsed
}
