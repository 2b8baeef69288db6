package devserver

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Servers started side by side in one process never get the same port:
// each pick is claimed for the life of the process.
func TestPickedPortsAreUnique(t *testing.T) {
	const pickers, each = 8, 25
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for range pickers {
		wg.Go(func() {
			for range each {
				p, err := checkOrPick("127.0.0.1", 0, "internal")
				assert.NoError(t, err)
				mu.Lock()
				seen[p]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, pickers*each, "a port was handed out twice")
	assert.False(t, claim(firstKey(seen)), "a handed-out port is claimed again")
}

func firstKey(m map[int]int) int {
	for k := range m {
		return k
	}
	return 0
}
