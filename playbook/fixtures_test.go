package playbook

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/action"
)

var update = flag.Bool("update", false, "rewrite testdata/playbooks/err/*.out from the current output")

const fixtures = "../testdata/playbooks"

// testOptions is the registry and a small library, as the CLI passes them.
func testOptions() Options {
	lib := map[string]bool{"enrich-user": true, "notify-analyst": true}
	// enrich-user declares user_id (required) and depth (defaulted).
	inputs := map[string][]*Input{"enrich-user": {
		{Name: "user_id", Type: InputString, Required: true},
		{Name: "depth", Type: InputNumber, Default: 1, HasDefault: true},
	}}
	return Options{Registry: action.Okta(), Library: func(n string) bool { return lib[n] },
		ChildInputs: func(n string) []*Input { return inputs[n] }}
}

func TestFixturesOK(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "ok", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no ok fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			p, err := LoadFile(f, testOptions())
			if err != nil {
				var buf bytes.Buffer
				_ = err.(ErrorList).Format(&buf, false)
				t.Fatalf("want valid, got:\n%s", buf.String())
			}
			if p.Name == "" || len(p.Steps) == 0 || len(p.SHA256) != 64 {
				t.Fatalf("incomplete playbook: name %q, %d steps, sha %q", p.Name, len(p.Steps), p.SHA256)
			}
		})
	}
}

// TestFixturesErr loads each err fixture and compares the formatted errors
// with its .out file: line by line, exact, or a regular expression where
// the .out line starts with "re:".
func TestFixturesErr(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "err", "*.yaml"))
	if len(files) < 40 {
		t.Fatalf("want at least 40 error fixtures, have %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, lerr := Load(filepath.Base(f), src, testOptions())
			list, ok := lerr.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("want errors, got %v", lerr)
			}
			var buf bytes.Buffer
			if err := list.Format(&buf, false); err != nil {
				t.Fatal(err)
			}
			outFile := strings.TrimSuffix(f, ".yaml") + ".out"
			if *update {
				if err := os.WriteFile(outFile, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(outFile)
			if err != nil {
				t.Fatalf("%v (run go test ./playbook -run Fixtures -update)", err)
			}
			compareLines(t, string(want), buf.String())
		})
	}
}

func compareLines(t *testing.T, want, got string) {
	t.Helper()
	wl := strings.Split(strings.TrimRight(want, "\n"), "\n")
	gl := strings.Split(strings.TrimRight(got, "\n"), "\n")
	if len(wl) != len(gl) {
		t.Fatalf("want %d lines, got %d:\n%s", len(wl), len(gl), got)
	}
	for i := range wl {
		if re, ok := strings.CutPrefix(wl[i], "re:"); ok {
			if !regexp.MustCompile("^" + re + "$").MatchString(gl[i]) {
				t.Errorf("line %d: %q does not match %q", i+1, gl[i], re)
			}
		} else if wl[i] != gl[i] {
			t.Errorf("line %d:\nwant %q\ngot  %q", i+1, wl[i], gl[i])
		}
	}
}

// undo_after takes days as relative times do (action.Days): 7d is a week.
func TestUndoAfterDays(t *testing.T) {
	src := "name: d\nversion: 1\nsteps:\n  - id: a\n    action: okta.block_ips\n    with: {zone_id: nzo1, ip_addresses: [203.0.113.9]}\n    undo_after: 7d\n"
	pb, err := Load("d.yaml", []byte(src), Options{Registry: action.Okta()})
	if err != nil {
		t.Fatal(err)
	}
	if got := pb.Steps[0].UndoAfter; got != 7*24*time.Hour {
		t.Fatalf("undo_after: got %s, want 168h", got)
	}
}
