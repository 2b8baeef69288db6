package guard

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ipRange is an inclusive IPv4 or IPv6 range; addresses and CIDRs become
// ranges too, so one overlap test serves every form Okta accepts.
type ipRange struct{ lo, hi netip.Addr }

func parseEntry(s string) (ipRange, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err := errors.Join(err1, err2); err != nil {
			return ipRange{}, err
		}
		if b.Less(a) || a.Is4() != b.Is4() {
			return ipRange{}, fmt.Errorf("range %s is empty or mixes families", s)
		}
		return ipRange{a, b}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return ipRange{}, err
		}
		p = p.Masked()
		return ipRange{p.Addr(), lastAddr(p)}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, err
	}
	return ipRange{a, a}, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (r ipRange) overlaps(p netip.Prefix) bool {
	if r.lo.Is4() != p.Addr().Is4() {
		return false
	}
	lo, hi := p.Addr(), lastAddr(p)
	return !(r.hi.Less(lo) || hi.Less(r.lo))
}

func (r ipRange) prefixes() []netip.Prefix {
	if r.lo == r.hi {
		return []netip.Prefix{netip.PrefixFrom(r.lo, r.lo.BitLen())}
	}
	// Cover the range with the fewest prefixes.
	var out []netip.Prefix
	cur := r.lo
	for {
		bits := cur.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(cur, bits-1).Masked()
			if p.Addr() != cur || r.hi.Less(lastAddr(p)) {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(cur, bits)
		out = append(out, p)
		last := lastAddr(p)
		if last == r.hi || !last.Next().IsValid() {
			return out
		}
		cur = last.Next()
	}
}
