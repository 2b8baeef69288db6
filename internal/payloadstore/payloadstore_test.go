package payloadstore

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func store(t *testing.T, d converter.StorageDriver, ps ...*commonpb.Payload) []converter.StorageDriverClaim {
	t.Helper()
	claims, err := d.Store(converter.StorageDriverStoreContext{Context: t.Context()}, ps)
	require.NoError(t, err)
	return claims
}

func retrieve(t *testing.T, d converter.StorageDriver, claims ...converter.StorageDriverClaim) ([]*commonpb.Payload, error) {
	t.Helper()
	return d.Retrieve(converter.StorageDriverRetrieveContext{Context: t.Context()}, claims)
}

func TestFileDriverRoundTrip(t *testing.T) {
	dir := t.TempDir()
	d := NewFileDriver(dir)
	a, b := payload(t, strings.Repeat("a", 300_000)), payload(t, []int{1, 2, 3})
	claims := store(t, d, a, b, a)
	require.Len(t, claims, 3)
	assert.Equal(t, claims[0], claims[2], "the same payload gets the same claim")
	got, err := retrieve(t, d, claims...)
	require.NoError(t, err)
	assert.True(t, proto.Equal(a, got[0]))
	assert.True(t, proto.Equal(b, got[1]))

	files, _ := filepath.Glob(filepath.Join(dir, "sha256", "*", "*"))
	assert.Len(t, files, 2)
}

func TestFileDriverRefusesForeignAndCorruptClaims(t *testing.T) {
	dir := t.TempDir()
	d := NewFileDriver(dir)
	for name, c := range map[string]map[string]string{
		"missing key":    {},
		"path traversal": {claimKey: "../../../../etc/passwd"},
		"upper hex":      {claimKey: strings.Repeat("A", 64)},
	} {
		_, err := retrieve(t, d, converter.StorageDriverClaim{ClaimData: c})
		assert.ErrorIs(t, err, ErrBadClaim, name)
	}
	claims := store(t, d, payload(t, "secret run data"))
	sum := claims[0].ClaimData[claimKey]
	require.NoError(t, os.WriteFile(d.path(sum), []byte("tampered"), 0o600))
	_, err := retrieve(t, d, claims...)
	assert.ErrorIs(t, err, ErrCorrupt)

	require.NoError(t, os.Remove(d.path(sum)))
	_, err = retrieve(t, d, claims...)
	assert.ErrorContains(t, err, "is gone")
}

func TestFileDriverPruneKeepsRecentlyStored(t *testing.T) {
	d := NewFileDriver(t.TempDir())
	old, fresh := payload(t, "old"), payload(t, "fresh")
	cOld := store(t, d, old)[0]
	cFresh := store(t, d, fresh)[0]
	past := time.Now().Add(-10 * 24 * time.Hour)
	for _, c := range []converter.StorageDriverClaim{cOld, cFresh} {
		require.NoError(t, os.Chtimes(d.path(c.ClaimData[claimKey]), past, past))
	}
	store(t, d, fresh) // stored again by a newer run: its clock restarts

	n, err := d.Prune(8*24*time.Hour, time.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = retrieve(t, d, cOld)
	assert.Error(t, err)
	_, err = retrieve(t, d, cFresh)
	assert.NoError(t, err)
}

func TestFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	dev := Config{Kind: KindFile, Dir: "data/payloads"}

	c, err := FromEnv(env(), Config{})
	require.NoError(t, err)
	assert.False(t, c.Enabled())

	c, err = FromEnv(env(), dev)
	require.NoError(t, err)
	assert.Equal(t, "file data/payloads", c.String())

	c, err = FromEnv(env(EnvStore, "off"), dev)
	require.NoError(t, err)
	assert.False(t, c.Enabled(), "off wins over the dev default")

	c, err = FromEnv(env(EnvStore, "s3", EnvS3Endpoint, "http://minio:9000", EnvS3Bucket, "runs",
		EnvAccessKey, "AKIA", EnvSecretKey, "very-secret", EnvThreshold, "65536"), Config{})
	require.NoError(t, err)
	assert.True(t, c.S3.PathStyle)
	assert.Equal(t, 65536, c.Threshold)
	assert.Equal(t, `s3 http://minio:9000 bucket runs prefix "cordon/"`, c.String())
	assert.NotContains(t, c.String(), "very-secret")

	for name, e := range map[string]func(string) string{
		"unknown kind":    env(EnvStore, "ftp"),
		"s3 no bucket":    env(EnvStore, "s3"),
		"half keys":       env(EnvStore, "s3", EnvS3Bucket, "b", EnvAccessKey, "AKIA"),
		"small threshold": env(EnvStore, "file", EnvDir, "x", EnvThreshold, "10"),
		"bad path style":  env(EnvStore, "s3", EnvS3Bucket, "b", EnvS3PathStyle, "maybe"),
	} {
		_, err := FromEnv(e, Config{})
		assert.ErrorIs(t, err, ErrBadConfig, name)
	}
}

// fakeS3 answers path-style PutObject and GetObject, which is all the
// driver uses; it isolates the driver's request shapes from a real service.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		body, _ := io.ReadAll(r.Body)
		f.objects[r.URL.Path] = body
	case http.MethodGet:
		body, ok := f.objects[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			_ = xml.NewEncoder(w).Encode(struct {
				XMLName xml.Name `xml:"Error"`
				Code    string
				Message string
			}{Code: "NoSuchKey", Message: "The specified key does not exist."})
			return
		}
		_, _ = w.Write(body)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func TestS3DriverRoundTrip(t *testing.T) {
	fake := &fakeS3{objects: map[string][]byte{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg, err := FromEnv(func(k string) string {
		return map[string]string{EnvStore: "s3", EnvS3Endpoint: srv.URL, EnvS3Bucket: "runs", EnvS3Prefix: "prod",
			EnvAccessKey: "AKIA", EnvSecretKey: "secret"}[k]
	}, Config{})
	require.NoError(t, err)
	d, err := cfg.Driver()
	require.NoError(t, err)
	p := payload(t, strings.Repeat("x", 10_000))
	claims := store(t, d, p)
	sum := claims[0].ClaimData[claimKey]
	assert.Contains(t, fake.objects, "/runs/prod/sha256/"+sum)

	got, err := retrieve(t, d, claims...)
	require.NoError(t, err)
	assert.True(t, proto.Equal(p, got[0]))

	delete(fake.objects, "/runs/prod/sha256/"+sum)
	_, err = retrieve(t, d, claims...)
	assert.ErrorContains(t, err, "is gone")
	_, err = retrieve(t, d, converter.StorageDriverClaim{ClaimData: map[string]string{claimKey: "../other"}})
	assert.ErrorIs(t, err, ErrBadClaim)
}

func claimPayload(t *testing.T, driver string, c converter.StorageDriverClaim) *commonpb.Payload {
	t.Helper()
	data, err := protojson.Marshal(&sdkpb.ExternalStorageReference{DriverName: driver, ClaimData: c.ClaimData})
	require.NoError(t, err)
	return &commonpb.Payload{Metadata: map[string][]byte{
		converter.MetadataEncoding:    []byte(converter.MetadataEncodingProtoJSON),
		converter.MetadataMessageType: []byte(referenceType)}, Data: data}
}

func TestCodecDecodesClaims(t *testing.T) {
	d := NewFileDriver(t.TempDir())
	big := payload(t, map[string]any{"users": strings.Repeat("u", 1000)})
	c := store(t, d, big)[0]
	small := payload(t, "inline")
	codec := &Codec{Drivers: []converter.StorageDriver{d}, AllowOrigins: []string{"http://127.0.0.1:8233"},
		Auth: func(r *http.Request, _ []byte) error {
			if r.Header.Get("Authorization") != "Bearer t0ken" {
				return assert.AnError
			}
			return nil
		}}
	mux := http.NewServeMux()
	codec.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{claimPayload(t, FileDriverName, c), small}})
	require.NoError(t, err)
	post := func(auth string, body []byte) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+DecodePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://127.0.0.1:8233")
		req.Header.Set("X-Namespace", "default")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	res := post("Bearer t0ken", body)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "http://127.0.0.1:8233", res.Header.Get("Access-Control-Allow-Origin"))
	raw, _ := io.ReadAll(res.Body)
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &out))
	require.Len(t, out.Payloads, 2)
	assert.True(t, proto.Equal(big, out.Payloads[0]), "the claim is resolved")
	assert.True(t, proto.Equal(small, out.Payloads[1]), "inline payloads pass through")

	assert.Equal(t, http.StatusUnauthorized, post("", body).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, post("Bearer wrong", body).StatusCode)

	bad, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{
		claimPayload(t, FileDriverName, converter.StorageDriverClaim{ClaimData: map[string]string{claimKey: "../../x"}})}})
	res = post("Bearer t0ken", bad)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res = post("Bearer t0ken", []byte("not json"))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)

	// The browser's preflight carries no credentials.
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+DecodePath, nil)
	req.Header.Set("Origin", "http://127.0.0.1:8233")
	req.Header.Set("Access-Control-Request-Method", "POST")
	pre, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	pre.Body.Close()
	assert.Equal(t, http.StatusNoContent, pre.StatusCode)
	assert.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")

	req, _ = http.NewRequest(http.MethodOptions, srv.URL+DecodePath, nil)
	req.Header.Set("Origin", "http://evil.example")
	pre, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	pre.Body.Close()
	assert.Empty(t, pre.Header.Get("Access-Control-Allow-Origin"), "other origins get no CORS grant")
}
