package pbtest

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestLibrary is `cordon test playbooks/` inside make test: every shipped
// playbook's cases must pass.
func TestLibrary(t *testing.T) {
	files, err := Files([]string{filepath.Join("..", "..", "playbooks")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("want a test file per shipped playbook, found %d", len(files))
	}
	rep := Run(files, Options{}, func(r Result) {
		var b bytes.Buffer
		WriteResult(&b, r)
		t.Log(b.String())
	})
	if !rep.OK() {
		var b bytes.Buffer
		WriteSummary(&b, rep)
		t.Fatalf("cordon test playbooks/ failed:\n%s", b.String())
	}
}
