package engine

import (
	"slices"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// names records what Register registers; the other Registry methods are
// not called by Register.
type names struct {
	worker.Registry
	workflows, activities []string
}

func (n *names) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	n.workflows = append(n.workflows, o.Name)
}

func (n *names) RegisterActivityWithOptions(_ any, o activity.RegisterOptions) {
	n.activities = append(n.activities, o.Name)
}

// Every engine activity the workflows call (workflows.EngineActivities,
// where their options are declared) is registered by an engine whose
// config can start runs, and so is every action of the registry.
func TestEngineRegistersEveryActivityTheWorkflowsCall(t *testing.T) {
	oc, err := okta.NewClient(okta.Config{OrgURL: "https://example.okta.com", Token: "test-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Okta: oc, Starter: trigger.ClientStarter{}, Playbooks: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got names
	e.Register(&got)
	for _, name := range append(workflows.EngineActivities, e.Registry.Names()...) {
		if !slices.Contains(got.activities, name) {
			t.Errorf("activity %s is not registered", name)
		}
	}
	if !slices.Contains(got.workflows, workflows.PlaybookWorkflowName) {
		t.Errorf("%s is not registered (got %v)", workflows.PlaybookWorkflowName, got.workflows)
	}
}
