package pbtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/workflows"
)

// simToken is the simulated org's API token in tests; it never leaves the
// process.
const simToken = "cordon-test-token"

// DefaultStartedBy starts a case's run unless the case says who does.
const DefaultStartedBy = "cordon-test"

// WallTimeout bounds one case in real time: a case runs in about 0.1 s,
// so this only catches an engine that hangs.
const WallTimeout = 60 * time.Second

// tick is how often, in the run's (skipped) time, the runner looks for
// an approval to decide.
const tick = time.Second

// outcome is what a case's run did, for the expectations.
type outcome struct {
	status   *workflows.RunStatus
	err      string
	hung     string   // the waiting step and why, when the case gave no decision
	refused  []string // decisions the run refused
	before   *snapshot
	after    *snapshot
	writes   []string
	unfired  []string
	setupErr error
}

// runCase runs one case against a fresh org.
func (f *File) runCase(c Case) *outcome {
	out := &outcome{}
	sim, err := oktasim.New(oktasim.Options{Token: simToken, Seed: cmpOr(c.Org.Seed, oktasim.SeedDemo), Concurrency: -1,
		Limits: map[string]int{oktasim.BucketUsers: 0, oktasim.BucketUserGet: 0, oktasim.BucketUserWrite: 0, oktasim.BucketGroups: 0,
			oktasim.BucketGroupByID: 0, oktasim.BucketLogs: 0, oktasim.BucketOther: 0}})
	if err != nil {
		out.setupErr = err
		return out
	}
	if err := (fixture{sim: sim, token: simToken}).apply(c.Org); err != nil {
		out.setupErr = fmt.Errorf("org fixture: %w", err)
		return out
	}
	if out.before, err = takeSnapshot(sim); err != nil {
		out.setupErr = err
		return out
	}
	sim.ResetRequests()
	faults := newFaulty(sim, c.Faults)
	srv := httptest.NewServer(faults)
	defer srv.Close()
	in, err := f.input(c)
	if err != nil {
		out.setupErr = err
		return out
	}
	env, signer, err := newEnv(srv.URL)
	if err != nil {
		out.setupErr = err
		return out
	}
	d := &decider{env: env, approvals: c.Approvals, signer: signer, run: runID(f, c)}
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: d.run, TaskQueue: workflows.TaskQueue})
	env.RegisterDelayedCallback(d.look, tick)
	if err := execute(env, in); err != nil {
		out.setupErr = err
		return out
	}
	out.status, out.err = result(env)
	out.hung, out.refused = d.hung, d.refused
	if out.after, err = takeSnapshot(sim); err != nil {
		out.setupErr = err
		return out
	}
	out.writes = writes(sim.Requests(), out.before.names, out.after.names)
	out.unfired = faults.unfired()
	return out
}

func runID(f *File, c Case) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(c.Name))
	return f.pb.Name + "-test-" + name
}

// input is the run's input, pinned as cordon run pins it.
func (f *File) input(c Case) (workflows.RunInput, error) {
	lib := runs.Library{Dir: filepath.Dir(f.pb.File), Registry: action.Okta()}
	given, err := jsonShaped(c.Inputs)
	if err != nil {
		return workflows.RunInput{}, err
	}
	m, _ := given.(map[string]any)
	inputs, err := f.pb.InputsWithDefaults(m)
	if err != nil {
		return workflows.RunInput{}, fmt.Errorf("inputs: %w", err)
	}
	pinned, children, err := lib.Pin(f.pb)
	if err != nil {
		return workflows.RunInput{}, err
	}
	var alert any
	switch a := c.Alert.(type) {
	case string:
		m, err := runs.ReadAlert(filepath.Join(filepath.Dir(f.Path), a), nil)
		if err != nil {
			return workflows.RunInput{}, err
		}
		alert = m
	case map[string]any:
		if alert, err = jsonShaped(a); err != nil {
			return workflows.RunInput{}, err
		}
	}
	return workflows.RunInput{Playbook: pinned, Library: children, Inputs: inputs, Alert: alert,
		Options: workflows.RunOptions{DryRun: c.DryRun, StartedBy: cmpOr(c.StartedBy, DefaultStartedBy)}}, nil
}

// jsonShaped converts YAML-decoded data to what JSON decoding gives
// (float64 numbers, map[string]any), as a run's input arrives.
func jsonShaped(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// newEnv is a test environment with every Cordon workflow and activity
// registered as the worker registers them, talking to the org at url, and
// accepting decisions signed by the returned signer (group approvers need
// signed decisions; unsigned ones are accepted as on a --dev worker).
func newEnv(url string) (*testsuite.TestWorkflowEnvironment, *signing.Signer, error) {
	oc, err := okta.NewClient(okta.Config{OrgURL: url, Token: simToken})
	if err != nil {
		return nil, nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer := &signing.Signer{KeyID: "cordon-test", Key: priv}
	e, err := engine.New(engine.Config{Okta: oc,
		Approvals: workflows.ApprovalPolicy{Keys: signing.Keyring{signer.KeyID: pub}}})
	if err != nil {
		return nil, nil, err
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(WallTimeout)
	e.Register(env)
	return env, signer, nil
}

// execute runs the workflow. The test environment panics when nothing
// happens for WallTimeout (an activity or the engine is stuck); that
// becomes the case's failure instead of ending cordon test.
func execute(env *testsuite.TestWorkflowEnvironment, in workflows.RunInput) (err error) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprint(p)
			if i := strings.Index(msg, ", workflow stack"); i > 0 {
				msg = msg[:i]
			}
			err = fmt.Errorf("the run made no progress for %s (%s)", WallTimeout, msg)
		}
	}()
	env.ExecuteWorkflow(workflows.PlaybookWorkflowName, in)
	return nil
}

// result reads the finished run's status, also from a failed run's error.
func result(env *testsuite.TestWorkflowEnvironment) (*workflows.RunStatus, string) {
	if !env.IsWorkflowCompleted() {
		return nil, "the run did not finish"
	}
	if err := env.GetWorkflowError(); err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.HasDetails() {
			var st workflows.RunStatus
			if app.Details(&st) == nil {
				return &st, st.Error
			}
		}
		if temporal.IsCanceledError(err) {
			return &workflows.RunStatus{Status: workflows.RunCancelled}, err.Error()
		}
		return nil, err.Error()
	}
	var st workflows.RunStatus
	if err := env.GetWorkflowResult(&st); err != nil {
		return nil, err.Error()
	}
	return &st, st.Error
}
