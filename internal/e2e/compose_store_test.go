package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// TestDepartmentOnComposeConfiguration runs deactivate-department with the
// compose stack's payload configuration: the S3 driver against an
// S3-compatible server (gofakes3 in process, standing in for MinIO), the
// CLI reading the stored result, and `cordon serve`'s codec endpoint
// (CORDON_CODEC_AUTH=none, as compose sets it) turning the claims of the
// run's history back into payloads for the Web UI.
func TestDepartmentOnComposeConfiguration(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("cordon-payloads"))
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3srv.Close)
	// A 16 KiB threshold makes this 500-user run store what a
	// 20,000-user run stores at the default 256 KiB.
	store := payloadstore.Config{Kind: payloadstore.KindS3, Threshold: 16 << 10, S3: payloadstore.S3Config{Endpoint: s3srv.URL,
		Bucket: "cordon-payloads", Prefix: "payloads/", PathStyle: true, AccessKey: "cordon", SecretKey: "cordon-minio-secret"}}
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 2500, UserDepartments: departmentOrg},
		stackOptions{store: &store})
	t.Cleanup(stop)

	id, st := s.departmentRun(t, 500)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 500, st.Outputs["deactivated"])
	s.checkDepartment(t, 2500)

	objects, err := backend.ListBucket("cordon-payloads", &gofakes3.Prefix{Prefix: "payloads/sha256/", HasPrefix: true}, gofakes3.ListBucketPage{})
	require.NoError(t, err)
	assert.NotEmpty(t, objects.Contents, "payloads were stored in the bucket")

	stdout, stderr, code := s.cli(t, "status", id, "--output", "json")
	require.Equal(t, 0, code, stderr)
	var out workflows.RunStatus
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	assert.EqualValues(t, 500, out.Outputs["deactivated"])

	// The Web UI's view: the completed event's result is a claim; the codec
	// endpoint of cordon serve returns the run's status from it.
	es, err := store.ExternalStorage()
	require.NoError(t, err)
	srv, err := serve.New(serve.Config{Token: "hook", Library: s.lib, Starter: trigger.ClientStarter{Client: s.client},
		Codec: &payloadstore.Codec{Drivers: es.Drivers, AllowOrigins: []string{"http://localhost:8233"}}, CodecNoAuth: true})
	require.NoError(t, err)
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)

	var result *commonpb.Payload
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if a := e.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			result = a.GetResult().GetPayloads()[0]
		}
	}
	require.NotNil(t, result)
	require.True(t, payloadstore.IsClaim(result), "the run's result is in the store")
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{result}})
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodPost, web.URL+payloadstore.DecodePath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://localhost:8233")
	req.Header.Set("X-Namespace", "default")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusOK, res.StatusCode, string(raw))
	assert.Equal(t, "http://localhost:8233", res.Header.Get("Access-Control-Allow-Origin"))
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &decoded))
	var status workflows.RunStatus
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(decoded.Payloads[0], &status))
	assert.Equal(t, id, status.WorkflowID)
	assert.EqualValues(t, 500, status.Outputs["deactivated"])
	assert.True(t, strings.HasPrefix(status.Outputs["sample"].(string), benchLogin(0)))
}
