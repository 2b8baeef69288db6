package playbook

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/connections"
)

func TestConnectionsDecodedWithPositions(t *testing.T) {
	p, err := LoadFile(fixtures+"/ok/connections.yaml", testOptions())
	require.NoError(t, err)
	assert.Equal(t, "acme", p.Connection)
	assert.Equal(t, Pos{Line: 3, Col: 13}, p.ConnectionPos)
	assert.Equal(t, []string{"acme", "globex"}, p.Connections())
	assert.Equal(t, Pos{Line: 13, Col: 17}, p.ConnectionAt("globex"), "the first step that names it")
	assert.Equal(t, Pos{}, p.ConnectionAt("initech"))

	steps := map[string]*Step{}
	var walk func([]*Step)
	walk = func(ss []*Step) {
		for _, s := range ss {
			steps[s.ID] = s
			walk(s.Parallel)
		}
	}
	walk(p.Steps)
	run := RunConnection(p, "", "")
	assert.Equal(t, "acme", ConnectionOf(steps["find"], run))
	assert.Equal(t, "globex", ConnectionOf(steps["find_in_globex"], run))
	assert.Equal(t, "globex", ConnectionOf(steps["suspend_in_globex"], run), "a parallel branch keeps its own")
	assert.Equal(t, "acme", ConnectionOf(steps["suspend_in_acme"], run))
}

func TestRunConnectionPrecedence(t *testing.T) {
	withOwn := &Playbook{Connection: "acme"}
	none := &Playbook{}
	for _, c := range []struct {
		name                string
		pb                  *Playbook
		override, inherited string
		want                string
	}{
		{"nothing named", none, "", "", connections.Default},
		{"the playbook's", withOwn, "", "", "acme"},
		{"the run's override wins over the playbook's", withOwn, "globex", "", "globex"},
		{"the playbook's wins over the parent's", withOwn, "", "globex", "acme"},
		{"the parent's when the child names none", none, "", "globex", "globex"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, RunConnection(c.pb, c.override, c.inherited))
		})
	}
	assert.Equal(t, "globex", ConnectionOf(&Step{Connection: "globex"}, "acme"), "a step's own wins")
	assert.Equal(t, "acme", ConnectionOf(&Step{}, "acme"))
}

// The schema's pattern for connection: must accept exactly the names
// connections.ValidName does.
func TestConnectionSchemaPatternMatchesValidName(t *testing.T) {
	re := regexp.MustCompile(connectionSchema("")["pattern"].(string))
	for _, name := range []string{"default", "acme", "globex-eu-2", "a", "Acme", "1org", "-x", "org_1", "",
		"a-connection-name-that-is-40-characters", "a-connection-name-that-is-41-characters!"} {
		assert.Equal(t, connections.ValidName(name), re.MatchString(name), name)
	}
}
