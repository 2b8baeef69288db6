package playbook

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// hostile is one input built to make the YAML parser use memory out of
// proportion to its size, with the error the pre-scan gives ("" when the
// input is within the limits and must load or fail normally).
type hostile struct {
	name, src, want string
}

// hostileFixtures are the deep-nesting and wide inputs of issue 13: each
// is under the 256 KiB size limit.
func hostileFixtures() []hostile {
	var indented, mapping, wide, atKeyLimit, atNodeLimit, exprs strings.Builder
	for i := 0; indented.Len() < 160<<10; i++ {
		indented.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	for i := 0; mapping.Len() < 160<<10; i++ {
		fmt.Fprintf(&mapping, "%sk%d:\n", strings.Repeat(" ", i), i)
	}
	wide.WriteString("name: x\nsteps:\n  - id: a\n    set:\n")
	for i := range 2_000 {
		fmt.Fprintf(&wide, "      k%d: v\n", i)
	}
	// At the limits: as many of the largest mappings, and as many values,
	// as allowed (a key and its value count two, a list item two).
	atKeyLimit.WriteString("name: x\nsteps:\n")
	for m := 0; m < maxNodes/(2*maxKeys)-1; m++ {
		fmt.Fprintf(&atKeyLimit, "  - id: s%d\n    set:\n", m)
		for k := range maxKeys - 1 {
			fmt.Fprintf(&atKeyLimit, "      k%d: %d\n", k, k)
		}
	}
	// Each line counts four: the key, its value and the two braces of
	// ${{ (the pre-scan overcounts braces in plain scalars).
	exprs.WriteString("name: x\ninputs:\n  n: {type: number, default: 1}\nsteps:\n")
	for m, lines := 0, 0; lines+maxKeys < maxNodes/4-20; m++ {
		fmt.Fprintf(&exprs, "  - id: s%d\n    set:\n", m)
		for k := range maxKeys - 1 {
			fmt.Fprintf(&exprs, "      k%d: ${{ inputs.n + %d > 2 }}\n", k, k)
		}
		lines += maxKeys + 1
	}
	atNodeLimit.WriteString("name: x\nsteps:\n  - id: a\n    set:\n      l:\n")
	for i := 0; i < maxNodes/2-20; i++ {
		atNodeLimit.WriteString("        - 1\n")
	}
	return []hostile{
		{"dashes 40KB", strings.Repeat("- ", 20_000) + "x\n", "h.yaml:1:127: nesting deeper than 64 levels"},
		{"dashes 160KB", strings.Repeat("- ", 80_000) + "x\n", "h.yaml:1:127: nesting deeper than 64 levels"},
		{"indented sequences 160KB", indented.String(), "h.yaml:64:64: nesting deeper than 64 levels"},
		{"indented mappings 160KB", mapping.String(), "h.yaml:65:65: nesting deeper than 64 levels"},
		{"flow 200KB", "name: x\nsteps: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", "h.yaml:2:71: nesting deeper than 64 levels"},
		{"mixed dashes and flow", "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - " + strings.Repeat("{a: ", 40) + "\n", "nesting deeper than 64 levels"},
		{"wide mapping", wide.String(), "h.yaml:305:7: more than 300 keys in one mapping"},
		{"many values", "name: x\nsteps: []\nx: [" + strings.Repeat("1,", 30_000) + "]\n", "more than 20000 values"},
		{"a quote inside a plain scalar opens nothing", "name: x\ndescription: it's\nsteps:\n" + strings.Repeat("- ", 100) + "x\n", "h.yaml:4:127: nesting deeper than 64 levels"},
		{"a quote after a dash in a plain scalar opens nothing", "name: x\nsteps: [a-'b, " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "]\n", "h.yaml:2:77: nesting deeper than 64 levels"},
		{"a quote in a plain key opens nothing", "name: x\na[': " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "h.yaml:2:68: nesting deeper than 64 levels"},
		{"long line", "name: x\ndescription: " + strings.Repeat("x", 20_000) + "\n", "h.yaml:2:16385: line longer than 16384 bytes"},
		{"at the key limit", atKeyLimit.String(), ""},
		{"at the node limit", atNodeLimit.String(), ""},
		{"expressions at the limits", exprs.String(), ""},
	}
}

// TestHostileFixtures: every hostile input is refused by the pre-scan with
// a positioned error, or, at the limits, loads within the memory bound.
func TestHostileFixtures(t *testing.T) {
	for _, h := range hostileFixtures() {
		t.Run(h.name, func(t *testing.T) {
			require.Less(t, len(h.src), maxSize, "under the size limit")
			var err error
			alloc := allocated(func() { _, err = Load("h.yaml", []byte(h.src), Options{Registry: action.Okta()}) })
			if h.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), h.want)
			}
			assert.Less(t, alloc, uint64(memoryBound), "allocated %d MB", alloc>>20)
		})
	}
}

// memoryBound is what loading any file under the size limit may allocate
// (docs/benchmarks.md): allocation is an upper bound of the peak heap.
const memoryBound = 50 << 20

// allocated returns the bytes f allocates, an upper bound of the heap it
// can hold at its peak.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkHostileLoad reports, per fixture, the bytes allocated by one
// load (B/op, an upper bound of the peak heap) and the peak heap in use
// seen after it (peak-heap-MB).
func BenchmarkHostileLoad(b *testing.B) {
	reg := action.Okta()
	for _, h := range hostileFixtures() {
		b.Run(strings.ReplaceAll(h.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				_, _ = Load("h.yaml", []byte(h.src), Options{Registry: reg})
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				peak = max(peak, after.TotalAlloc-before.TotalAlloc)
			}
			b.ReportMetric(float64(peak)/(1<<20), "max-alloc-MB")
		})
	}
}

// BenchmarkPrescan500 is the pre-scan alone over the 500-step playbook of
// BenchmarkLoad500: its share of a load.
func BenchmarkPrescan500(b *testing.B) {
	src := bigPlaybook(500)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		s := newSource("big.yaml", src)
		if prescan(s, &errorSink{src: s}) {
			b.Fatal("the 500-step playbook is within the limits")
		}
	}
}
