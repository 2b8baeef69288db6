package action

// The one parser of IP entries. The guardrails (protected networks), the
// workflow (canonical targets for counting, approvals and plans) and the
// zone actions all read addresses, CIDRs and ranges with it, so an entry
// that passes the guard is exactly the entry the action writes.

import (
	"fmt"
	"net/netip"
	"strings"
)

// IPEntry is one IPv4 or IPv6 address, CIDR or range, as an inclusive
// interval of addresses of one family.
type IPEntry struct {
	Lo, Hi netip.Addr
	// Bits is the prefix length when the interval is exactly one CIDR
	// (a single address is /32 or /128), -1 for any other range.
	Bits int
}

// String is the canonical form: a CIDR with its network address
// ("203.0.113.7/32", "198.51.100.0/24", "2001:db8::/32") whenever the
// interval is one prefix, else the range "lo-hi". Spellings of the same
// addresses (a bare address, a /32, a one-address range, a CIDR with host
// bits set, surrounding spaces) all give the same string.
func (e IPEntry) String() string {
	if e.Bits >= 0 {
		return fmt.Sprintf("%s/%d", e.Lo, e.Bits)
	}
	return e.Lo.String() + "-" + e.Hi.String()
}

// Okta returns the zone gateway object Okta stores for the entry: a CIDR
// (single addresses as /32, as Okta's own tools send them) or a RANGE.
func (e IPEntry) Okta() map[string]any {
	if e.Bits >= 0 {
		return map[string]any{"type": "CIDR", "value": e.String()}
	}
	return map[string]any{"type": "RANGE", "value": e.String()}
}

// Is4 reports whether the entry is IPv4.
func (e IPEntry) Is4() bool { return e.Lo.Is4() }

// Covers reports whether every address of o lies in e.
func (e IPEntry) Covers(o IPEntry) bool {
	return e.Is4() == o.Is4() && e.Lo.Compare(o.Lo) <= 0 && o.Hi.Compare(e.Hi) <= 0
}

// Overlaps reports whether e and o share an address.
func (e IPEntry) Overlaps(o IPEntry) bool {
	return e.Is4() == o.Is4() && !(e.Hi.Less(o.Lo) || o.Hi.Less(e.Lo))
}

// ParseIPEntry parses an IPv4 or IPv6 address, CIDR (addr/n) or range
// (a-b, both of one family). Surrounding spaces are ignored; IPv4-mapped
// IPv6 addresses (::ffff:a.b.c.d) are read as the IPv4 address they map, so
// they cannot slip past a protected IPv4 network.
func ParseIPEntry(s string) (IPEntry, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := parseAddr(lo)
		b, err2 := parseAddr(hi)
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() {
			return IPEntry{}, fmt.Errorf("%q is not a valid IP range a-b (two addresses of one family)", s)
		}
		if b.Less(a) {
			return IPEntry{}, fmt.Errorf("%q is not a valid range: the end is before the start", s)
		}
		return rangeEntry(a, b), nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return IPEntry{}, fmt.Errorf("%q is not a valid CIDR address/length", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		return IPEntry{Lo: p.Addr(), Hi: LastAddr(p), Bits: p.Bits()}, nil
	}
	a, err := parseAddr(s)
	if err != nil {
		return IPEntry{}, fmt.Errorf("%q is not a valid IP address, CIDR or range", s)
	}
	return IPEntry{Lo: a, Hi: a, Bits: a.BitLen()}, nil
}

func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, err
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("zoned address")
	}
	return a.Unmap(), nil
}

// rangeEntry is the interval [a, b], marked as a CIDR when it is one.
func rangeEntry(a, b netip.Addr) IPEntry {
	for bits := 0; bits <= a.BitLen(); bits++ {
		p := netip.PrefixFrom(a, bits).Masked()
		if p.Addr() == a && LastAddr(p) == b {
			return IPEntry{Lo: a, Hi: b, Bits: bits}
		}
	}
	return IPEntry{Lo: a, Hi: b, Bits: -1}
}

// LastAddr is the highest address of a prefix.
func LastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a, _ := netip.AddrFromSlice(b)
	return a
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

// Prefixes covers the entry with the fewest prefixes.
func (e IPEntry) Prefixes() []netip.Prefix {
	if e.Bits >= 0 {
		return []netip.Prefix{netip.PrefixFrom(e.Lo, e.Bits)}
	}
	var out []netip.Prefix
	cur := e.Lo
	for {
		bits := cur.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(cur, bits-1).Masked()
			if p.Addr() != cur || e.Hi.Less(LastAddr(p)) {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(cur, bits)
		out = append(out, p)
		last := LastAddr(p)
		if last == e.Hi || !last.Next().IsValid() {
			return out
		}
		cur = last.Next()
	}
}
