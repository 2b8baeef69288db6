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

// An engine of another connection registers every activity, on its own
// queue, and of the workflows only its intake and health check; the
// default connection's engine registers every workflow on "cordon".
func TestConnectionEngineRegistersItsActivitiesAndItsOwnWorkflows(t *testing.T) {
	oc, err := okta.NewClient(okta.Config{OrgURL: "https://globex.okta.com", Token: "test-token-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Okta: oc, Starter: trigger.ClientStarter{}, Playbooks: t.TempDir(), Connection: "globex"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Connection() != "globex" || e.Queue() != "cordon-okta-globex" {
		t.Fatalf("connection %q on queue %q, want globex on cordon-okta-globex", e.Connection(), e.Queue())
	}
	var got names
	e.Register(&got)
	for _, name := range append(workflows.EngineActivities, e.Registry.Names()...) {
		if !slices.Contains(got.activities, name) {
			t.Errorf("activity %s is not registered", name)
		}
	}
	want := []string{workflows.IntakeWorkflowName, workflows.HealthCheckWorkflowName}
	if !slices.Equal(got.workflows, want) {
		t.Errorf("workflows %v, want %v", got.workflows, want)
	}

	def, err := New(Config{Okta: oc})
	if err != nil {
		t.Fatal(err)
	}
	if def.Connection() != "default" || def.Queue() != workflows.TaskQueue {
		t.Fatalf("connection %q on queue %q, want default on %s", def.Connection(), def.Queue(), workflows.TaskQueue)
	}
}
