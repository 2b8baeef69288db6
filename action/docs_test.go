package action

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/actions.md from the registry")

// TestActionsDoc fails when docs/actions.md is not what the registry
// generates; `go test ./action/ -run TestActionsDoc -update` rewrites it.
func TestActionsDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "actions.md")
	got := Okta().Markdown()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "docs/actions.md is missing: run go test ./action/ -run TestActionsDoc -update")
	if string(want) != string(got) {
		t.Fatalf("docs/actions.md is stale: run go test ./action/ -run TestActionsDoc -update")
	}
}

func TestActionsDocCoversRegistry(t *testing.T) {
	md := string(Okta().Markdown())
	for _, a := range Okta().All() {
		assert.Contains(t, md, "\n## "+a.Name+"\n", "a section per action")
		for _, p := range a.Params {
			assert.Contains(t, md, "| `"+p.Name+"` |", "%s documents %s", a.Name, p.Name)
		}
	}
	for _, s := range []string{"OktaRateLimited", "OktaUnavailable", "OktaClientError", "InvalidInput",
		"Okta Code: E0000007. HTTP Status Code: 404."} {
		assert.Contains(t, md, s)
	}
}
