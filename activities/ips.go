package activities

// Pure IP helpers (no Temporal, no I/O), shared by Block IPs, Unblock IPs,
// the zone actions and ParseTargets.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// IPEntry is one IPv4 address, CIDR or range, as an inclusive interval.
type IPEntry struct {
	Lo, Hi netip.Addr
	// Bits is the prefix length of a CIDR entry, -1 for a range.
	Bits int
}

// String is the canonical form: a single address as "a.b.c.d", a CIDR as
// its network address with the length, a range as "a-b".
func (e IPEntry) String() string {
	switch {
	case e.Lo == e.Hi:
		return e.Lo.String()
	case e.Bits >= 0:
		return fmt.Sprintf("%s/%d", e.Lo, e.Bits)
	}
	return e.Lo.String() + "-" + e.Hi.String()
}

// Okta returns the zone gateway object Okta stores for the entry: a CIDR
// (single addresses as /32, as Okta's own tools send them) or a RANGE.
func (e IPEntry) Okta() map[string]any {
	switch {
	case e.Lo == e.Hi:
		return map[string]any{"type": "CIDR", "value": e.Lo.String() + "/32"}
	case e.Bits >= 0:
		return map[string]any{"type": "CIDR", "value": fmt.Sprintf("%s/%d", e.Lo, e.Bits)}
	}
	return map[string]any{"type": "RANGE", "value": e.Lo.String() + "-" + e.Hi.String()}
}

// Covers reports whether every address of o lies in e.
func (e IPEntry) Covers(o IPEntry) bool {
	return e.Lo.Compare(o.Lo) <= 0 && o.Hi.Compare(e.Hi) <= 0
}

// ParseIPEntry parses an IPv4 address, CIDR (a.b.c.d/n) or range (a-b).
// CIDRs are normalised to their network address; a one-address range or
// /32 becomes a plain address. IPv6 is refused: Okta documents IPv4 only
// for zone gateways.
func ParseIPEntry(s string) (IPEntry, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := parseV4(lo)
		b, err2 := parseV4(hi)
		if err1 != nil || err2 != nil {
			return IPEntry{}, fmt.Errorf("%q is not a valid IPv4 range a.b.c.d-e.f.g.h", s)
		}
		if b.Less(a) {
			return IPEntry{}, fmt.Errorf("%q is not a valid range: the end is before the start", s)
		}
		return IPEntry{Lo: a, Hi: b, Bits: -1}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			return IPEntry{}, fmt.Errorf("%q is not a valid IPv4 CIDR a.b.c.d/n", s)
		}
		p = p.Masked()
		return IPEntry{Lo: p.Addr(), Hi: lastAddr(p), Bits: p.Bits()}, nil
	}
	a, err := parseV4(s)
	if err != nil {
		return IPEntry{}, fmt.Errorf("%q is not a valid IPv4 address, CIDR or range", s)
	}
	return IPEntry{Lo: a, Hi: a, Bits: 32}, nil
}

func parseV4(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("not IPv4")
	}
	return a, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	n := binary.BigEndian.Uint32(b[:]) | (1<<(32-p.Bits()) - 1)
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b)
}

// ParseIPEntries parses and de-duplicates entries by canonical form,
// keeping the first occurrence's order.
func ParseIPEntries(items []string) ([]IPEntry, error) {
	out := make([]IPEntry, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		e, err := ParseIPEntry(it)
		if err != nil {
			return nil, err
		}
		if k := e.String(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// zoneEntries reads a zone's gateway or proxy list as Okta returned it
// ([{type, value}] or null). Entries this client cannot parse (IPv6, say)
// are kept verbatim by the caller and simply never match.
func zoneEntries(v any) (raw []any, parsed []*IPEntry) {
	list, _ := v.([]any)
	for _, it := range list {
		raw = append(raw, it)
		m, _ := it.(map[string]any)
		val, _ := m["value"].(string)
		if e, err := ParseIPEntry(val); err == nil {
			parsed = append(parsed, &e)
		} else {
			parsed = append(parsed, nil)
		}
	}
	return raw, parsed
}
