package payloadstore

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// A store failure while a workflow task completes must not hang the run.
//
// The SDK stores a workflow's large payloads (a step's input, a child's
// input, the run's result) while it completes the workflow task; when the
// driver fails, it fails the task, and Temporal retries the task forever:
// the run stays running, its status query fails with "Workflow Task in
// failed state", and the cause is only in the worker's warnings
// (go.temporal.io/sdk internal/internal_task_pollers.go, the outbound
// visitor's error path). An activity's result is different: a store
// failure fails the activity with the store's error, which the step
// reports (internal_task_handlers.go, visitorErrorToActivityFailure).
//
// So for workflow payloads a failed store keeps the payload inline, in a
// claim that also records the store's error: the task completes, the run
// goes on and answers its status query, and the worker logs the error at
// warning level with the run's id. A payload too large to keep inline is
// then refused by the server, which fails the run with the size error
// instead of retrying it silently.

// Keys of an inline claim.
const (
	inlineKey     = "inline"      // the payload's protobuf, base64
	storeErrorKey = "store_error" // why it is inline
)

// fallbackDriver keeps a workflow's payloads inline when its store fails.
type fallbackDriver struct {
	converter.StorageDriver
	log *slog.Logger
}

// WithInlineFallback wraps d so that a failed store of a workflow's
// payloads keeps them inline (see above); activity payloads still fail.
func WithInlineFallback(d converter.StorageDriver, log *slog.Logger) converter.StorageDriver {
	if log == nil {
		log = slog.Default()
	}
	return &fallbackDriver{StorageDriver: d, log: log}
}

// Store stores through the wrapped driver and falls back for workflows.
func (f *fallbackDriver) Store(ctx converter.StorageDriverStoreContext, payloads []*commonpb.Payload) ([]converter.StorageDriverClaim, error) {
	claims, err := f.StorageDriver.Store(ctx, payloads)
	wf, isWorkflow := ctx.Target.(converter.StorageDriverWorkflowInfo)
	if err == nil || !isWorkflow {
		return claims, err
	}
	f.log.Warn("payload store failed; keeping the workflow's payloads inline in its history",
		"workflow_id", wf.WorkflowID, "run_id", wf.RunID, "payloads", len(payloads), "error", err)
	out := make([]converter.StorageDriverClaim, len(payloads))
	for i, p := range payloads {
		data, merr := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		if merr != nil {
			return nil, errors.Join(err, merr)
		}
		out[i] = converter.StorageDriverClaim{ClaimData: map[string]string{
			inlineKey: base64.StdEncoding.EncodeToString(data), storeErrorKey: err.Error()}}
	}
	return out, nil
}

// Retrieve reads inline claims itself and the rest through the wrapped
// driver.
func (f *fallbackDriver) Retrieve(ctx converter.StorageDriverRetrieveContext, claims []converter.StorageDriverClaim) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(claims))
	var stored []converter.StorageDriverClaim
	var at []int
	for i, c := range claims {
		raw, ok := c.ClaimData[inlineKey]
		if !ok {
			stored, at = append(stored, c), append(at, i)
			continue
		}
		data, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: inline claim: %v", ErrBadClaim, err)
		}
		var p commonpb.Payload
		if err := proto.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("%w: inline claim: %v", ErrCorrupt, err)
		}
		out[i] = &p
	}
	if len(stored) > 0 {
		got, err := f.StorageDriver.Retrieve(ctx, stored)
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			out[i] = got[k]
		}
	}
	return out, nil
}
