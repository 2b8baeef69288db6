// Package e2e runs Cordon end to end: the embedded Temporal server, the
// real worker wiring (engine.Register), the Okta activities over real HTTP
// to the simulated org, and the cordon CLI binary. It is the one test
// binary besides internal/devserver and worker that links the Temporal
// server, so every end-to-end test lives here.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

const simToken = "e2e-secret-token-0123456789"

// stack is one dev stack shared by the tests of this package: starting the
// server takes about a second, and tests keep to their own users and IPs.
type stack struct {
	srv    *devserver.Server
	client client.Client
	sim    *oktasim.Server
	lib    runs.Library
	reg    *action.Registry
	// store is the payload store every client and worker of the stack
	// uses, as the dev stack does: a directory of its own.
	store payloadstore.Config
	// metrics is what the worker serves at /metrics, wired as
	// worker/run.go wires it: the SDK's handler and the Okta observer.
	metrics *metrics.Metrics

	worker    worker.Worker
	newWorker func() worker.Worker
	// spawnEnv is added to the environment of the worker processes that
	// spawnWorker starts (e.g. quickHeartbeat()).
	spawnEnv []string
}

var (
	shared     *stack
	sharedOnce sync.Once
)

// corpEgress is protected in the guardrail configuration of these tests.
const corpEgress = "198.51.100.0/24"

func getStack(t testing.TB) *stack {
	t.Helper()
	sharedOnce.Do(func() {
		shared, stopStack = newStack(t, oktasim.Options{Token: simToken, Seed: "demo"})
	})
	if shared == nil {
		t.Fatal("the shared stack failed to start (see the first test's log)")
	}
	return shared
}

// newStack starts a dev stack around a simulated org with the given
// options. It does not tie cleanups to t, because the shared stack
// outlives the first test: the caller stops it with the returned func.
func newStack(t testing.TB, simOpts oktasim.Options) (*stack, func()) {
	return newStackWith(t, simOpts, stackOptions{})
}

// newStackOn is newStack with the Temporal server's SQLite database in
// dataFile, as worker --dev keeps it ("" is in-memory).
func newStackOn(t testing.TB, simOpts oktasim.Options, dataFile string) (*stack, func()) {
	return newStackWith(t, simOpts, stackOptions{dataFile: dataFile})
}

// newGuardedStack is newStack with the given guardrail configuration.
func newGuardedStack(t testing.TB, simOpts oktasim.Options, protected guard.Protected, dataFile string) (*stack, func()) {
	return newStackWith(t, simOpts, stackOptions{protected: &protected, dataFile: dataFile})
}

// stackOptions vary a stack from the dev stack's defaults.
type stackOptions struct {
	// noStore runs without a payload store, as a cluster without
	// CORDON_PAYLOAD_STORE: the worker then caps activity results at
	// Temporal's payload limit, as worker/register.go does.
	noStore bool
	// store, when set, replaces the file store (the compose stack's S3).
	store *payloadstore.Config
	// protected replaces the default guardrails (breakglass, corpEgress,
	// and IT Admins in the demo org).
	protected *guard.Protected
	// dataFile keeps the server's SQLite database in a file, as worker
	// --dev does ("" is in-memory).
	dataFile string
	// audit, when set, is the audit trail's sink (worker: CORDON_AUDIT).
	audit audit.Sink
	// crypt, when set, encrypts payloads (worker: CORDON_PAYLOAD_KEYS).
	crypt *payloadcrypt.Codec
	// postgres, when set, runs the Temporal server on PostgreSQL instead
	// of SQLite (the PostgreSQL tier, postgres_test.go).
	postgres *devserver.Postgres
	// standalone leaves the server's standalone activities on, as a
	// cluster whose operator did not turn them off (adversarial_activity_test.go).
	standalone bool
	// register, when set, adds to what the stack's worker registers.
	register func(worker.Worker)
	// trusted are workflow types besides Cordon's (and the benchmarks'
	// baseline) that may call the activities.
	trusted []string
	// undoRetryFor, when set, is the undo steps' retry budget (worker:
	// CORDON_UNDO_RETRY_FOR).
	undoRetryFor time.Duration
	// approvals, when set, replaces e2eApprovals (people_test.go: a
	// worker that requires signed starts).
	approvals *workflows.ApprovalPolicy
}

func newStackWith(t testing.TB, simOpts oktasim.Options, so stackOptions) (*stack, func()) {
	dataFile := so.dataFile
	protected := guard.Protected{Users: []string{"breakglass@" + oktasim.DemoDomain}, Networks: []string{corpEgress}}
	if simOpts.Seed == oktasim.SeedDemo {
		protected.Groups = []string{oktasim.DemoITAdminsGroupID}
	}
	if so.protected != nil {
		protected = *so.protected
	}
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", DataFile: dataFile, Postgres: so.postgres, StandaloneActivities: so.standalone,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	require.NoError(t, err)
	storeDir, err := os.MkdirTemp("", "cordon-e2e-payloads-")
	require.NoError(t, err)
	store := payloadstore.Config{Kind: payloadstore.KindFile, Dir: storeDir}
	if so.noStore {
		store = payloadstore.Config{Kind: payloadstore.KindOff}
	} else if so.store != nil {
		store = *so.store
	}
	es, err := store.ExternalStorage()
	require.NoError(t, err)
	m := metrics.New()
	c, err := srv.NewClient(ctx, client.Options{ExternalStorage: es, MetricsHandler: m.SDKHandler(), DataConverter: payloadcrypt.DataConverter(so.crypt),
		FailureConverter: payloadcrypt.FailureConverter(so.crypt)})
	require.NoError(t, err)
	m.WatchApprovals(c)
	// Generous limits, except where the caller set a bucket's own.
	limits := map[string]int{oktasim.BucketUsers: 100000, oktasim.BucketUserGet: 100000, oktasim.BucketUserWrite: 100000,
		oktasim.BucketGroups: 100000, oktasim.BucketLogs: 100000, oktasim.BucketOther: 100000}
	for k, v := range simOpts.Limits {
		limits[k] = v
	}
	simOpts.Limits = limits
	sim, err := oktasim.Start("127.0.0.1:0", simOpts)
	require.NoError(t, err)
	var trail *audit.Recorder
	if so.audit != nil {
		trail = &audit.Recorder{Sink: so.audit}
	}
	oc, err := okta.NewClient(okta.Config{OrgURL: sim.URL(), Token: simToken}, okta.WithObserver(m), okta.WithObserver(trail))
	require.NoError(t, err)
	cfg := engine.Config{Okta: oc, Guard: guard.Config{Protected: protected},
		// The simulator's System Log has no delay: a missing event of this
		// step's write is missing for good, so attribution need not wait long.
		LogDelay: 3 * time.Second,
		Starter:  trigger.ClientStarter{Client: c}, Playbooks: filepath.Join("testdata", "triggers"),
		Approvals: e2eApprovals, Notifier: e2eNotifier, Audit: trail, UndoRetryFor: so.undoRetryFor,
		TrustedWorkflows: append([]string{handWrittenName}, so.trusted...)}
	if !store.Enabled() {
		cfg.MaxOutputBytes = activities.DefaultMaxOutputBytes
	}
	approvalPolicy := e2eApprovals
	if so.approvals != nil {
		approvalPolicy = *so.approvals
	}
	cfg.Approvals, cfg.Temporal = approvalPolicy, c
	e, err := engine.New(cfg)
	require.NoError(t, err)
	reg := e.Registry
	s := &stack{srv: srv, client: c, sim: sim, reg: reg, store: store, metrics: m,
		lib: runs.Library{Dir: filepath.Join("..", "..", "playbooks"), Registry: reg}}
	s.newWorker = func() worker.Worker {
		w := worker.New(c, workflows.TaskQueue, engine.WorkerOptions())
		e.Register(w)
		w.RegisterWorkflowWithOptions(handWritten, workflow.RegisterOptions{Name: handWrittenName})
		if so.register != nil {
			so.register(w)
		}
		return w
	}
	s.worker = s.newWorker()
	require.NoError(t, s.worker.Start())
	stop := func() {
		s.worker.Stop()
		c.Close()
		_ = sim.Close()
		_ = srv.Stop()
		_ = os.RemoveAll(storeDir)
	}
	return s, stop
}

// restartWorker stops the stack's worker and starts a fresh one, as after
// a crash or a deploy: runs in flight must carry on with the new worker.
func (s *stack) restartWorker(t testing.TB) {
	t.Helper()
	s.worker.Stop()
	s.worker = s.newWorker()
	require.NoError(t, s.worker.Start())
}

var (
	stopStack   = func() {}
	stopGuarded = func() {}
)

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(workerMain())
	}
	flag.Parse()
	if testing.Short() {
		// make test-short: this package is the end-to-end tier (the
		// embedded server, real workers, the CLI); every test here needs
		// the stack, so the inner loop skips the package as a whole.
		fmt.Println("internal/e2e: skipped in -short mode (end-to-end tier)")
		os.Exit(0)
	}
	raiseParallel()
	// The CLI is built while the first tests run, once for the binary;
	// tests that run it wait for the build in cordonCLI.
	go buildCLI()
	code := m.Run()
	stopStack()
	stopGuarded()
	<-cliBuilt
	if cliPath != "" {
		_ = os.RemoveAll(filepath.Dir(cliPath))
	}
	os.Exit(code)
}

// load parses a playbook from this package's testdata.
func (s *stack) load(t *testing.T, name string) *playbook.Playbook {
	t.Helper()
	pb, err := playbook.LoadFile(filepath.Join("testdata", name), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	return pb
}

// start starts a run and returns its workflow id.
func (s *stack) start(t *testing.T, req runs.Request) string {
	t.Helper()
	if req.Library.Dir == "" {
		req.Library = s.lib
	}
	if req.StartedBy == "" {
		req.StartedBy = "e2e"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started, err := runs.Start(ctx, s.client, req)
	require.NoError(t, err)
	return started.WorkflowID
}

// wait waits for a run's final status.
func (s *stack) wait(t *testing.T, id string) *workflows.RunStatus {
	t.Helper()
	return s.waitWithin(t, id, 3*time.Minute)
}

// waitWithin waits for a run's final status for at most d.
func (s *stack) waitWithin(t *testing.T, id string, d time.Duration) *workflows.RunStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	st, err := runs.Wait(ctx, s.client, id, nil)
	require.NoError(t, err)
	return st
}

// The cordon binary, built once per test binary by TestMain (buildCLI);
// cliBuilt closes when the build ends.
var (
	cliBuilt = make(chan struct{})
	cliPath  string
	cliErr   error
)

func buildCLI() {
	defer close(cliBuilt)
	dir, err := os.MkdirTemp("", "cordon-e2e-")
	if err != nil {
		cliErr = err
		return
	}
	cliPath = filepath.Join(dir, "cordon")
	out, err := exec.Command("go", "build", "-o", cliPath, "../../starter").CombinedOutput()
	if err != nil {
		cliErr = &buildError{out: string(out), err: err}
	}
}

// cordonCLI waits for TestMain's build of the cordon binary.
func cordonCLI(t testing.TB) string {
	t.Helper()
	<-cliBuilt
	require.NoError(t, cliErr)
	return cliPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// cli runs the cordon binary against the shared stack and returns its
// stdout, stderr and exit code.
func (s *stack) cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return s.cliEnv(t, nil, args...)
}

// cliEnv is cli with extra environment variables (later ones win).
func (s *stack) cliEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(cordonCLI(t), args...)
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+s.srv.FrontendAddr(), "TEMPORAL_NAMESPACE=default",
		"CORDON_PLAYBOOKS="+s.lib.Dir, payloadstore.EnvStore+"="+s.store.Kind, payloadstore.EnvDir+"="+s.store.Dir)
	if s3 := s.store.S3; s.store.Kind == payloadstore.KindS3 {
		cmd.Env = append(cmd.Env, payloadstore.EnvS3Endpoint+"="+s3.Endpoint, payloadstore.EnvS3Bucket+"="+s3.Bucket,
			payloadstore.EnvS3Prefix+"="+s3.Prefix, payloadstore.EnvAccessKey+"="+s3.AccessKey, payloadstore.EnvSecretKey+"="+s3.SecretKey)
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}
