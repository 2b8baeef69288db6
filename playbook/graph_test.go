package playbook

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMermaid(t *testing.T) {
	t.Parallel()
	p, err := LoadFile(fixtures+"/ok/design-example.yaml", testOptions())
	require.NoError(t, err)
	got := Mermaid(p)
	for _, want := range []string{
		"flowchart TD\n",
		`start(["contain-compromised-user"])`,
		`n1["find<br/>okta.get_users"]`,
		`start --> n1`,
		`n1 -->|"if len(steps.find.output) == 0"| n2`,
		`n3{{"approve<br/>approval"}}:::approval`,
		`n5["groups<br/>okta.get_user_groups<br/>for each item, 4 at a time"]`,
		`subgraph n6 ["both (parallel)"]`,
		"n5 --> n7\n", "n5 --> n8\n", "n7 --> n9\n", "n8 --> n9\n",
		`n11[["sub<br/>playbook enrich-user<br/>continues on error"]]`,
		"n11 --> finish\n",
	} {
		assert.Contains(t, got, want)
	}
	assert.Equal(t, 1, strings.Count(got, "subgraph"))
}
