package playbook

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/action"
)

// bigPlaybook is an n-step playbook mixing the step kinds, with one to three
// expressions per step, as a large real playbook would.
func bigPlaybook(n int) []byte {
	var b strings.Builder
	b.WriteString("name: big\ninputs:\n  login: {type: string, required: true}\n  zone: {type: string, default: nzo1}\nsteps:\n")
	b.WriteString("  - id: s0\n    action: okta.get_users\n    with: {filter: 'profile.login eq \"${{ inputs.login }}\"', limit: 10}\n")
	for i := 1; i < n; i++ {
		prev := fmt.Sprintf("s%d", i-1)
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "  - id: s%d\n    if: ${{ steps.%s.status == \"succeeded\" }}\n    action: okta.get_users\n    with: {filter: 'profile.login eq \"${{ inputs.login }}\"', limit: 10}\n", i, prev)
		case 1:
			fmt.Fprintf(&b, "  - id: s%d\n    foreach: ${{ steps.s0.output }}\n    concurrency: 4\n    action: okta.get_user_groups\n    with: {user: \"${{ item.id }}\"}\n", i)
		case 2:
			fmt.Fprintf(&b, "  - id: s%d\n    set: {ids: \"${{ jsonpath(steps.s0.output, \\\"$[*].id\\\") }}\", n: \"${{ len(steps.%s.output) }}\"}\n", i, prev)
		case 3:
			fmt.Fprintf(&b, "  - id: s%d\n    action: okta.block_ips\n    with: {zone_id: \"${{ inputs.zone }}\", ip_addresses: [203.0.113.7, 198.51.100.0/24]}\n    undo_after: 24h\n    retry: {max_attempts: 3}\n", i)
		case 4:
			fmt.Fprintf(&b, "  - id: s%d\n    approval: {message: \"Continue after ${{ steps.%s.status }}?\", timeout: 1h}\n", i, prev)
		}
	}
	b.WriteString("outputs:\n  first: ${{ steps.s0.output }}\n")
	return []byte(b.String())
}

func TestBigPlaybookLoads(t *testing.T) {
	t.Parallel()
	p, err := Load("big.yaml", bigPlaybook(500), Options{Registry: action.Okta()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 500 {
		t.Fatalf("want 500 steps, got %d", len(p.Steps))
	}
}

// BenchmarkLoad500: validating a 500-step playbook (target: under 50 ms).
func BenchmarkLoad500(b *testing.B) {
	src := bigPlaybook(500)
	opts := Options{Registry: action.Okta()}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Load("big.yaml", src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval: evaluating compiled expressions (target: microseconds).
func BenchmarkEval(b *testing.B) {
	src := `name: bench
inputs:
  a: {type: string}
steps:
  - id: prev
    wait: 1s
  - id: s
    if: ${{ steps.prev.status == "succeeded" && len(steps.prev.output) > 0 }}
    set:
      ids: ${{ jsonpath(steps.prev.output, "$[*].id") }}
      text: "user ${{ inputs.a }} has ${{ len(steps.prev.output) }} entries"
      top: ${{ group_by_count(steps.prev.output, "ip") }}
`
	p, err := Load("bench.yaml", []byte(src), Options{Registry: action.Okta()})
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	env.Run.Now = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	st := p.Step("s")
	cases := map[string]*Value{"if": st.If, "jsonpath": st.Set["ids"], "interpolation": st.Set["text"], "group_by_count": st.Set["top"]}
	for _, name := range []string{"if", "jsonpath", "interpolation", "group_by_count"} {
		v := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Eval(env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
