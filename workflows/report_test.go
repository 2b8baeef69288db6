package workflows

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// manyUsers answers Get Users with n users of about 110 bytes each.
func manyUsers(n int) func(map[string]any) (any, error) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00u%017d", i)
	}
	return users(ids...)
}

func sixListings(outputs string) string {
	var b strings.Builder
	b.WriteString("name: big\nversion: 1\nsteps:\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  - id: list%d\n    action: okta.get_users\n    with: {filter: 'status eq \"ACTIVE\"', limit: 0}\n", i)
	}
	b.WriteString(outputs)
	return b.String()
}

// TestLargeReportIsShortenedNotStuck: six listings of about 220 KB each
// make a status over 1 MiB. The run's result must still fit one payload,
// while expressions see every full output.
func TestLargeReportIsShortenedNotStuck(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, manyUsers(2000))
	st, err := h.run(sixListings("outputs:\n  counted: ${{ len(steps.list0.output) + len(steps.list5.output) }}\n"), RunInput{})
	require.NoError(t, err)
	assert.EqualValues(t, 4000, st.Outputs["counted"], "expressions see full outputs")
	b, err := json.Marshal(st)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), maxReport, "the result fits the report bound")
	truncated := 0
	for _, s := range st.Steps {
		if m, ok := s.Output.(map[string]any); ok && m["truncated"] == true {
			truncated++
			assert.EqualValues(t, 2000, m["items"])
		}
	}
	assert.GreaterOrEqual(t, truncated, 1, "the largest outputs are summarised in the report")
	assert.Less(t, truncated, 6, "only as many as needed")
}

func TestOversizedOutputsFailTheRunCleanly(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, manyUsers(2000))
	st, err := h.run(sixListings("outputs:\n  everyone: ${{ [steps.list0.output, steps.list1.output, steps.list2.output, steps.list3.output] }}\n"), RunInput{})
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.Status)
	assert.Regexp(t, `^outputs are \d+ bytes \(output everyone alone \d+\), over the limit of 786432 bytes for a run's result: return counts, ids or a sample instead`, st.Error)
	assert.Nil(t, st.Outputs)
	for _, s := range st.Steps {
		assert.Equal(t, playbook.StatusSucceeded, s.Status)
	}
}

// TestAttemptsAreTheActivitysOwn: a step reports how many times its
// activity ran, also when it succeeded after retries or failed on a
// non-retryable error after retryable ones.
func TestAttemptsAreTheActivitysOwn(t *testing.T) {
	src := "name: a\nversion: 1\nsteps:\n  - id: list\n    action: okta.get_users\n    with: {filter: 'status eq \"ACTIVE\"'}\n"
	for _, tc := range []struct {
		name     string
		failures int  // retryable failures before the outcome
		final    bool // the outcome is a non-retryable failure
		want     int
	}{
		{"first try", 0, false, 1},
		{"succeeded after two retries", 2, false, 3},
		{"non-retryable after three retryable", 3, true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			calls := 0
			h.okta.on(action.GetUsers, func(map[string]any) (any, error) {
				calls++
				switch {
				case calls <= tc.failures:
					return nil, temporal.NewApplicationError("Get Users failed. HTTP Status Code: 503.", action.ErrUnavailable)
				case tc.final:
					return nil, temporal.NewNonRetryableApplicationError("Get Users failed. Okta Code: E0000031.", action.ErrClientError, nil,
						map[string]any{"command": "Get Users", "message": "Invalid search criteria", "attempt": calls})
				}
				return []any{}, nil
			})
			st, _ := h.run(src, RunInput{})
			require.NotNil(t, st)
			assert.Equal(t, tc.want, stepOf(st, "list").Attempts)
		})
	}
}
