package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
)

func TestEveryRegisteredActionIsImplemented(t *testing.T) {
	t.Parallel()
	a := New(nil, action.Okta(), nil)
	funcs := a.Funcs()
	assert.Len(t, action.Okta().Names(), 30)
	assert.Len(t, funcs, 30, "no implementation without a registry entry")
	for _, name := range action.Okta().Names() {
		assert.Contains(t, funcs, name)
	}
	var suite testsuite.WorkflowTestSuite
	assert.NotPanics(t, func() { a.Register(suite.NewTestActivityEnvironment()) })
}

func TestRegisterPanicsOnMissingImplementation(t *testing.T) {
	t.Parallel()
	reg := action.Okta()
	reg.Register(&action.Action{Name: "okta.unknown", Title: "Unknown"})
	a := New(nil, reg, nil)
	var suite testsuite.WorkflowTestSuite
	assert.PanicsWithValue(t, "activities: action okta.unknown is in the registry but has no implementation",
		func() { a.Register(suite.NewTestActivityEnvironment()) })
}
