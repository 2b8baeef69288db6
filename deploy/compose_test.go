package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cordonsec/cordon/workflows"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "docker-compose.yml")},
		cli.WithWorkingDirectory(".."),
		// A fixed environment, so a developer's OKTA_* or POSTGRES_PASSWORD
		// does not change what the test sees.
		cli.WithEnv([]string{}),
		cli.WithConsistency(true),
	)
	require.NoError(t, err)
	p, err := opts.LoadProject(t.Context())
	require.NoError(t, err, "docker-compose.yml must load as `docker compose config` would")
	return p
}

func TestComposeStack(t *testing.T) {
	p := loadCompose(t)
	svc := func(name string) types.ServiceConfig {
		t.Helper()
		s, err := p.GetService(name)
		require.NoError(t, err)
		return s
	}

	// Every image is pinned to an exact version, never :latest or a bare
	// major, so the stack is reproducible.
	pinned := regexp.MustCompile(`:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$`)
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui"} {
		require.Regexp(t, pinned, svc(name).Image, "%s image pinned", name)
	}
	require.True(t, strings.HasPrefix(svc("postgresql").Image, "postgres:16."), "PostgreSQL 16")
	require.True(t, strings.HasPrefix(svc("temporal-schema").Image, "temporalio/admin-tools:"))
	require.True(t, strings.HasPrefix(svc("temporal").Image, "temporalio/server:"))
	require.True(t, strings.HasPrefix(svc("temporal-ui").Image, "temporalio/ui:"))

	// Long-running services have healthchecks; one-shot jobs are awaited
	// by completion instead.
	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "worker", "serve"} {
		hc := svc(name).HealthCheck
		require.NotNil(t, hc, "%s has a healthcheck", name)
		require.NotEmpty(t, hc.Test, "%s healthcheck has a test", name)
	}

	// Start order: schema job after a healthy database, server after the
	// schema job, worker after the server and namespace job.
	requireDependsOn(t, svc("temporal-schema"), "postgresql", types.ServiceConditionHealthy)
	requireDependsOn(t, svc("temporal"), "temporal-schema", types.ServiceConditionCompletedSuccessfully)
	requireDependsOn(t, svc("temporal-namespace"), "temporal", types.ServiceConditionHealthy)
	requireDependsOn(t, svc("worker"), "temporal", types.ServiceConditionHealthy)
	requireDependsOn(t, svc("worker"), "temporal-namespace", types.ServiceConditionCompletedSuccessfully)

	// The worker is built from this repo's Dockerfile and pointed at the
	// temporal service; the webhook runs `cordon serve` from the same image.
	w := svc("worker")
	require.NotNil(t, w.Build, "worker is built here")
	require.Equal(t, "Dockerfile", w.Build.Dockerfile)
	_, err := os.Stat(filepath.Join("..", w.Build.Dockerfile))
	require.NoError(t, err)
	require.Equal(t, "temporal:7233", env(w, "TEMPORAL_ADDRESS"))
	require.Equal(t, "default", env(w, "TEMPORAL_NAMESPACE"))
	require.Contains(t, w.Command, "--http-addr")

	s := svc("serve")
	require.Equal(t, w.Image, s.Image, "serve uses the worker's image")
	require.Equal(t, types.ShellCommand{"cordon", "serve", "--addr", "0.0.0.0:8080"}, s.Command)
	require.Equal(t, "temporal:7233", env(s, "TEMPORAL_ADDRESS"))

	require.Equal(t, "temporal:7233", env(svc("temporal-ui"), "TEMPORAL_ADDRESS"))

	// Payload store: MinIO (pinned to a release), its bucket job, every
	// Cordon process configured for it, and the UI decoding through serve.
	require.Regexp(t, `^minio/minio:RELEASE\.\d{4}-`, svc("minio").Image)
	require.Regexp(t, `^minio/mc:RELEASE\.\d{4}-`, svc("minio-bucket").Image)
	require.NotNil(t, svc("minio").HealthCheck)
	requireDependsOn(t, svc("minio-bucket"), "minio", types.ServiceConditionHealthy)
	requireDependsOn(t, w, "minio-bucket", types.ServiceConditionCompletedSuccessfully)
	for _, c := range []types.ServiceConfig{w, s} {
		require.Equal(t, "s3", env(c, "CORDON_PAYLOAD_STORE"), c.Name)
		require.Equal(t, "http://minio:9000", env(c, "CORDON_S3_ENDPOINT"), c.Name)
		require.Equal(t, "cordon-payloads", env(c, "CORDON_S3_BUCKET"), c.Name)
		require.Equal(t, env(svc("minio"), "MINIO_ROOT_USER"), env(c, "AWS_ACCESS_KEY_ID"), c.Name)
		require.Equal(t, env(svc("minio"), "MINIO_ROOT_PASSWORD"), env(c, "AWS_SECRET_ACCESS_KEY"), c.Name)
	}
	bucketJob := strings.Join(svc("minio-bucket").Entrypoint, " ")
	require.Contains(t, bucketJob, "mb --ignore-existing local/"+env(w, "CORDON_S3_BUCKET"))
	require.Contains(t, bucketJob, "--expire-days 8", "stored payloads outlive the 7-day retention")
	ui := svc("temporal-ui")
	require.Equal(t, "http://localhost:8080/codec", env(ui, "TEMPORAL_CODEC_ENDPOINT"))
	require.Equal(t, env(ui, "TEMPORAL_CORS_ORIGINS"), env(s, "CORDON_UI_URL"), "serve grants CORS to the UI's origin")
	require.Contains(t, s.Ports[0].Published, "8080")
}

// TestNamespaceJobRegistersCordonSearchAttributes keeps the compose setup
// script in step with the attributes the workflows use (and the embedded
// dev server registers).
func TestNamespaceJobRegistersCordonSearchAttributes(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("temporal", "setup-namespace.sh"))
	require.NoError(t, err)
	for name, typ := range workflows.SearchAttributes() {
		// The API's names for the types are the CLI's (Keyword,
		// KeywordList, Bool). Whole words: CordonTarget=Keyword must not
		// pass for KeywordList (on SQL visibility a Keyword column holds
		// one value, so a list of targets would never match `cordon list
		// --target`).
		want := regexp.QuoteMeta(name+"="+typ.String()) + `\b`
		require.Regexp(t, want, string(script))
	}
	require.Contains(t, string(script), "--retention 7d")
}

func requireDependsOn(t *testing.T, s types.ServiceConfig, dep, condition string) {
	t.Helper()
	d, ok := s.DependsOn[dep]
	require.True(t, ok, "%s depends on %s", s.Name, dep)
	require.Equal(t, condition, d.Condition, "%s waits for %s to be %s", s.Name, dep, condition)
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// TestServerTurnsStandaloneActivitiesOff: the reference stack's server
// reads the dynamic config file that turns standalone activities off, so
// no client can run Cordon's activities without a workflow.
func TestServerTurnsStandaloneActivitiesOff(t *testing.T) {
	srv, err := loadCompose(t).GetService("temporal")
	require.NoError(t, err)
	path := env(srv, "DYNAMIC_CONFIG_FILE_PATH")
	require.NotEmpty(t, path)
	var mounted string
	for _, v := range srv.Volumes {
		if v.Target == path {
			mounted = v.Source
		}
	}
	require.NotEmpty(t, mounted, "%s is mounted into the server", path)
	b, err := os.ReadFile(mounted)
	require.NoError(t, err)
	var dc map[string][]struct {
		Value any `yaml:"value"`
	}
	require.NoError(t, yaml.Unmarshal(b, &dc))
	require.Equal(t, []struct {
		Value any `yaml:"value"`
	}{{Value: false}}, dc["activity.enableStandalone"])
}
