package oktasim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// idGen makes Okta-looking identifiers. Object ids come from a PRNG seeded by
// the seed name, so a given seed and request sequence always yields the same
// ids (tests can rely on them; fixtures in fixtures.go are fixed literals).
// Request and error ids are per response and only need to be unique.
type idGen struct {
	mu     sync.Mutex
	rng    *rand.Rand
	suffix string // Okta ids end with a per-org cell marker such as "1d7"
	reqSeq atomic.Uint64
}

func newIDGen(seed string) *idGen {
	g := &idGen{suffix: "0x7"}
	g.reseed(seed)
	return g
}

// reseed restarts the object-id sequence so that Reset reproduces the same ids.
func (g *idGen) reseed(seed string) {
	h := fnv.New64a()
	h.Write([]byte(seed))
	sum := h.Sum64()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rng = rand.New(rand.NewPCG(sum, sum^0x9e3779b97f4a7c15))
}

// object returns prefix + 14 random characters + the org suffix: 20
// characters like "00ukwr4ejhMytJ0ja1d7".
func (g *idGen) object(prefix string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := make([]byte, 0, 20)
	b = append(b, prefix...)
	for len(b) < 17 {
		b = append(b, idAlphabet[g.rng.IntN(len(idAlphabet))])
	}
	return string(append(b, g.suffix...))
}

// intn exposes the seeded PRNG for seed generation and fault sampling.
func (g *idGen) intn(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.IntN(n)
}

func (g *idGen) float() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Float64()
}

// token returns n random id characters (activation and reset tokens).
func (g *idGen) token(n int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[g.rng.IntN(len(idAlphabet))]
	}
	return string(b)
}

// requestID mimics X-Okta-Request-Id values; a counter keeps it cheap and
// unique without taking the PRNG lock on every request.
func (g *idGen) requestID() string {
	return "req" + scrambled(g.reqSeq.Add(1), 23)
}

// errorID mimics errorId values: 25 characters starting "oae".
func (g *idGen) errorID() string {
	return "oae" + scrambled(g.reqSeq.Add(1), 22)
}

// scrambled spreads a counter over n id characters (splitmix64 rounds), so
// consecutive ids do not look sequential but never collide.
func scrambled(n uint64, width int) string {
	b := make([]byte, width)
	x := n
	for i := 0; i < width; i++ {
		if i%10 == 0 {
			x += 0x9e3779b97f4a7c15
			z := x
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
			z = (z ^ (z >> 27)) * 0x94d049bb133111eb
			x = z ^ (z >> 31)
		}
		b[i] = idAlphabet[x%62]
		x /= 62
	}
	// The counter itself in the tail guarantees uniqueness.
	tail := base62(n)
	if len(tail) < width {
		copy(b[width-len(tail):], tail)
	}
	return string(b)
}

// uuid returns a version-4-shaped UUID (System Log uuids and errorIds).
func (g *idGen) uuid() string {
	a, b := g.pair()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, (b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// pair draws two PRNG words under the lock.
func (g *idGen) pair() (uint64, uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Uint64(), g.rng.Uint64()
}

func base62(n uint64) string {
	if n == 0 {
		return "a"
	}
	var b []byte
	for n > 0 {
		b = append(b, idAlphabet[n%62])
		n /= 62
	}
	return string(b)
}
