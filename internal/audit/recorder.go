package audit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/activities/okta"
)

// Recorder writes events to its sink. A nil *Recorder records nothing.
type Recorder struct {
	Sink   Sink
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Record stamps and writes events. A sink error is logged, never
// returned: the write it records has happened, and failing the activity
// would only make it happen again.
func (r *Recorder) Record(ctx context.Context, events ...Event) {
	if r == nil || r.Sink == nil || len(events) == 0 {
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	for i := range events {
		stamp(&events[i], now())
	}
	if err := r.Sink.Write(ctx, events); err != nil && r.Logger != nil {
		r.Logger.Error("audit events not written", "events", len(events), "error", err)
	}
}

// Close closes the sink.
func (r *Recorder) Close() error {
	if r == nil || r.Sink == nil {
		return nil
	}
	return r.Sink.Close()
}

// Scope is what an activity knows about the step it runs for; the Okta
// activities put it in the context (WithScope) for the write events.
type Scope struct {
	Playbook string
	Version  int
	Step     string
}

type scopeKey struct{}

// WithScope returns ctx carrying sc.
func WithScope(ctx context.Context, sc Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ScopeOf returns the scope WithScope put in ctx.
func ScopeOf(ctx context.Context) Scope {
	sc, _ := ctx.Value(scopeKey{}).(Scope)
	return sc
}

// ObserveRequest implements okta.Observer: every request that is not a
// read (GET, HEAD) becomes an okta_write event, whatever its answer. A
// token request (POST /oauth2/v1/token, OAuth clients) changes nothing in
// the org and is not one.
// Its id is the activity attempt-independent facts: workflow, run,
// activity id, method and path, so a retried activity that writes the
// same thing again writes the same id.
func (r *Recorder) ObserveRequest(ctx context.Context, q okta.RequestStats) {
	if r == nil || q.Method == http.MethodGet || q.Method == http.MethodHead || q.Bucket == okta.BucketToken {
		return
	}
	e := Event{Kind: KindOktaWrite, Request: q.Method + " " + q.Path, OktaRequestID: q.RequestID,
		Target: targetOf(q.Path), Outcome: outcome(q.Status)}
	sc := ScopeOf(ctx)
	e.Playbook, e.PlaybookVersion, e.Step = sc.Playbook, sc.Version, sc.Step
	var activityID string
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		e.WorkflowID, e.RunID, e.Action, e.Attempt = info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityType.Name, info.Attempt
		activityID = info.ActivityID
	}
	e.ID = EventID(e.Kind, e.WorkflowID, e.RunID, activityID, e.Request)
	r.Record(ctx, e)
}

func outcome(status int) string {
	if status == 0 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx " + strconv.Itoa(status)
}

// targetOf is the object a write names: the last Okta ID in its path
// (/users/00u1/lifecycle/deactivate: 00u1; /groups/00g1/users/00u2: 00u2;
// /zones/nzo1: nzo1).
func targetOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	target := ""
	for i := 1; i < len(segs); i++ {
		switch segs[i-1] {
		case "users", "groups", "zones", "factors", "sessions", "apps":
			if segs[i] != "me" && segs[i] != "" {
				target = segs[i]
			}
		}
	}
	if u, err := url.PathUnescape(target); err == nil {
		return u
	}
	return target
}

// Env names.
const (
	// EnvSink picks the sink: "stdout", "file:PATH" or an http(s) URL;
	// empty: no audit trail.
	EnvSink = "CORDON_AUDIT"
	// EnvToken is the bearer token of an HTTP sink.
	EnvToken = "CORDON_AUDIT_TOKEN"
	// EnvSpool is the HTTP sink's spool file (default
	// DATA_DIR/audit-spool.jsonl, see FromEnv).
	EnvSpool = "CORDON_AUDIT_SPOOL"
	// EnvMaxBytes and EnvKeep set a file sink's rotation.
	EnvMaxBytes = "CORDON_AUDIT_MAX_BYTES"
	EnvKeep     = "CORDON_AUDIT_KEEP"
)

// FromEnv builds the recorder the environment asks for; nil when
// CORDON_AUDIT is empty. dataDir holds the HTTP sink's default spool.
func FromEnv(getenv func(string) string, dataDir string, stdout io.Writer, logger *slog.Logger) (*Recorder, error) {
	v := strings.TrimSpace(getenv(EnvSink))
	var sink Sink
	switch {
	case v == "":
		return nil, nil
	case v == "stdout":
		sink = &WriterSink{W: stdout}
	case strings.HasPrefix(v, "file:"):
		fs := &FileSink{Path: strings.TrimPrefix(v, "file:")}
		if fs.Path == "" {
			return nil, fmt.Errorf("%s=file: needs a path (file:/var/log/cordon/audit.jsonl)", EnvSink)
		}
		var err error
		if s := getenv(EnvMaxBytes); s != "" {
			if fs.MaxBytes, err = strconv.ParseInt(s, 10, 64); err != nil || fs.MaxBytes <= 0 {
				return nil, fmt.Errorf("%s=%q: want a positive number of bytes", EnvMaxBytes, s)
			}
		}
		if s := getenv(EnvKeep); s != "" {
			if fs.Keep, err = strconv.Atoi(s); err != nil || fs.Keep <= 0 {
				return nil, fmt.Errorf("%s=%q: want a positive number of files", EnvKeep, s)
			}
		}
		sink = fs
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		if _, err := url.Parse(v); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSink, err)
		}
		spool := getenv(EnvSpool)
		if spool == "" {
			spool = filepath.Join(dataDir, "audit-spool.jsonl")
		}
		hs, err := NewHTTPSink(HTTPOptions{URL: v, Token: getenv(EnvToken), Spool: spool, Logger: logger})
		if err != nil {
			return nil, err
		}
		sink = hs
	default:
		return nil, fmt.Errorf("%s=%q: want stdout, file:PATH or an http(s):// URL", EnvSink, v)
	}
	return &Recorder{Sink: sink, Logger: logger}, nil
}
