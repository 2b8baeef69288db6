package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// Issue 31: a value computed at run time meets the same rule, with the same
// message, as the literal `cordon validate` refuses; nothing is written to
// Okta.
func TestComputedValuesMeetTheRegistryRules(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	for name, c := range map[string]struct {
		inputs  map[string]any
		literal string // the step's with: written as literals
		msg     string
	}{
		"revoke_sessions without temp_password": {
			inputs:  map[string]any{"login": u.Login, "revoke": true},
			literal: "action: okta.expire_passwords\n    with: {user_ids: [x], revoke_sessions: true}",
			msg:     "okta.expire_passwords: invalid input: parameter revoke_sessions: needs temp_password true (Okta revokes sessions only with a temporary password); end sessions with okta.clear_user_sessions instead",
		},
		"unknown factor type": {
			inputs:  map[string]any{"login": u.Login, "types": []any{"sms", "bogus"}},
			literal: "action: okta.reset_factors\n    with: {user_ids: [x], factor_types: [sms, bogus]}",
			msg:     `okta.reset_factors: invalid input: parameter factor_types: "bogus" is not one of call, email, push`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := s.wait(t, s.start(t, runs.Request{Playbook: s.load(t, "computed-rules.yaml"), Inputs: c.inputs}))
			require.Equal(t, workflows.RunFailed, st.Status)
			assert.Contains(t, st.Error, c.msg)
			got, _ := s.sim.Sim().User(u.ID)
			assert.Equal(t, "ACTIVE", got.Status, "nothing was written to Okta")

			// The literal form is a validate error with the same words.
			_, err := playbook.Load("lit.yaml", []byte("name: lit\nsteps:\n  - id: s\n    "+c.literal+"\n"), playbook.Options{Registry: s.reg})
			var list playbook.ErrorList
			require.True(t, errors.As(err, &list), "validate accepted the literal")
			_, words, _ := strings.Cut(c.msg, ": invalid input: parameter ")
			param, rest, _ := strings.Cut(words, ": ")
			assert.Contains(t, list.Error(), "parameter "+param+": "+rest, "validate and run say the same")
		})
	}
}
