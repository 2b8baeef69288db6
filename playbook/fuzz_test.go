package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/action"
)

// FuzzLoad: any bytes load without panicking, and every error has a
// position inside the file.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"ok", "err"} {
		files, _ := filepath.Glob(filepath.Join(fixtures, dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	opts := Options{Registry: action.Okta(), Library: func(string) bool { return false }}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Load("f.yaml", src, opts)
		if err == nil {
			_ = Mermaid(p)
			return
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("want a non-empty ErrorList, got %T %v", err, err)
		}
		lines := len(newSource("f", src).lines) + 1
		for _, e := range list {
			if e.Line < 1 || e.Col < 1 || e.Line > lines {
				t.Fatalf("error outside the file: %v", e)
			}
		}
		var b strings.Builder
		_ = list.Format(&b, true)
	})
}

// FuzzExpr: any expression compiles or fails cleanly, and a compiled one
// evaluates without panicking, deterministically.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{
		`len(steps.prev.output) == 0`, `jsonpath(steps.prev.output, "$[*].id")`, `inputs.a + "x"`,
		`cidr_contains("10.0.0.0/8", "10.1.2.3")`, `group_by_count(steps.prev.output, "ip")`,
		`now() - duration("24h")`, `keys(alert)`, `filter(inputs.b, # != "x")`, `default(item, 1)`,
		`from_json(to_json(alert))`, `unique([1, 1, 2])`, `alert.severity >= 7 && alert.note matches "^x"`,
		`map(1..3, # * index)`, `steps.prev.error?.message ?? "none"`, `upper(lower(run.id))`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prog, _, err := compile(text)
		if err != nil {
			return
		}
		env := newExprEnv(testEnv())
		a, errA := run(prog, env)
		b, errB := run(prog, env)
		if (errA == nil) != (errB == nil) || (errA == nil && canonical(a) != canonical(b)) {
			t.Fatalf("not deterministic: %v/%v vs %v/%v", a, errA, b, errB)
		}
	})
}
