package e2e

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// decode reads a step's output, or a run output that passes one on, into
// its contract type (action.BulkResult, action.UndoScheduled, ...): the generic
// JSON the status query returns is re-encoded and decoded strictly, so a
// field the type does not declare fails the test instead of being read as
// nil.
func decode[T any](t *testing.T, v any) T {
	t.Helper()
	var out T
	require.NotNil(t, v, "no value to read as %T", out)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&out), "%s is not a %T", b, out)
	return out
}

// itemsOf reads the per-item results of a step's output: a bulk result's,
// or those the guardrails add to an action that answers an object (its
// results and protected keys, beside the object's own fields).
func itemsOf(t *testing.T, v any) []action.ItemResult {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out struct {
		Results []action.ItemResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(b, &out), "%s has no results list", b)
	return out.Results
}
