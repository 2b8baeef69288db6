package action

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOktaRegistry(t *testing.T) {
	r := Okta()
	// The integration spec's 17 commands, the two undo actions and the 11
	// identity-response actions.
	assert.Len(t, r.Names(), 30)
	for _, a := range r.All() {
		t.Run(a.Name, func(t *testing.T) {
			assert.NotEmpty(t, a.Description)
			assert.NotEmpty(t, a.Roles, "required Okta roles")
			assert.Positive(t, a.StartToCloseTimeout)
			assert.Positive(t, a.Retry.MaximumAttempts, "an explicit retry policy")
			if a.Destructive {
				require.NotNil(t, a.Targets, "destructive actions say what they act on")
			}
			if a.Undo != "" {
				undo, ok := r.Lookup(a.Undo)
				require.True(t, ok, "undo action %s is registered", a.Undo)
				for k := range a.UndoParams(a.Example, []string{"t1"}) {
					_, ok := undo.Param(k)
					assert.True(t, ok, "the undo request's parameter %s is declared by %s", k, a.Undo)
				}
			}
			for _, p := range a.Params {
				if p.Required {
					assert.Contains(t, a.Example, p.Name, "example sets required parameter")
				}
			}
			for k := range a.Example {
				_, ok := a.Param(k)
				assert.True(t, ok, "example parameter %s is declared", k)
			}
		})
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	r := NewRegistry()
	r.Register(&Action{Name: "x.y", Title: "Y"})
	assert.Panics(t, func() { r.Register(&Action{Name: "x.y", Title: "Y"}) })
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want []string
		err  string
	}{
		{"nil", nil, nil, ""},
		{"json list", []any{"a", " b ", "a", ""}, []string{"a", "b"}, ""},
		{"comma and newline", "a, b\nc,,a\r\n", []string{"a", "b", "c"}, ""},
		{"json list in a string", `["x","y","x"]`, []string{"x", "y"}, ""},
		{"numbers", []any{float64(13335), 15169, "13335"}, []string{"13335", "15169"}, ""},
		{"single scalar", "only", []string{"only"}, ""},
		{"unterminated json", `["unterminated`, nil, "looks like a JSON list but does not parse"},
		{"object item", []any{map[string]any{}}, nil, "item 0: want a string, got map[string]interface {}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestEnumValueAndAll(t *testing.T) {
	usage := Param{Name: "usage", Type: TypeString, Enum: []string{"POLICY", "BLOCKLIST"}}
	v, ok := usage.EnumValue(" blocklist ")
	assert.True(t, ok)
	assert.Equal(t, "BLOCKLIST", v, "the declared spelling")
	_, ok = usage.EnumValue("BLOCK")
	assert.False(t, ok)
	v, ok = Param{Name: "free"}.EnumValue(" Any ")
	assert.True(t, ok)
	assert.Equal(t, "Any", v)

	limit := Param{Name: "limit", Type: TypeInteger, AllowAll: true}
	assert.True(t, limit.IsAll(" ALL "))
	assert.False(t, limit.IsAll("al"))
	assert.False(t, Param{Name: "limit", Type: TypeInteger}.IsAll("all"), "only with AllowAll")
}

func TestSplitList(t *testing.T) {
	assert.Equal(t, []string{"a", "b", "c", "a"}, SplitList(" a,b\r\nc,, a\n"), "no dedupe: that is ParseList's")
	assert.Nil(t, SplitList(" , \n"))
}

func TestParseIntList(t *testing.T) {
	got, err := ParseIntList("443, 8443\n443")
	require.NoError(t, err)
	assert.Equal(t, []int{443, 8443}, got)
	got, err = ParseIntList(`[1, 2]`)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, got)
	_, err = ParseIntList([]any{"1", "x"})
	require.EqualError(t, err, `"x" is not an integer`)
}

// TestEveryWriteSaysWhatARetryRepeats: docs/actions.md tells, for every
// action that writes, whether a retry can repeat a visible effect.
func TestEveryWriteSaysWhatARetryRepeats(t *testing.T) {
	reg := Okta()
	for _, a := range reg.All() {
		if a.Destructive {
			assert.NotEmpty(t, RetryEffects[a.Name], "%s: add its entry to RetryEffects", a.Name)
		}
	}
	for name := range RetryEffects {
		_, ok := reg.Lookup(name)
		assert.True(t, ok, "RetryEffects names %s, which is not in the registry", name)
	}
}

func TestProtectedProfileFields(t *testing.T) {
	f, ok := LookupProtectedField("login")
	require.True(t, ok)
	assert.False(t, f.Allowable, "login never changes")
	f, ok = LookupProtectedField("email")
	require.True(t, ok)
	assert.True(t, f.Allowable, "email changes only when allowed")
	_, ok = LookupProtectedField("title")
	assert.False(t, ok)
	a, _ := Okta().Lookup(UpdateUserProfile)
	p, _ := a.Param(ParamAllowFields)
	for _, f := range ProtectedProfileFields {
		if f.Allowable {
			assert.Contains(t, p.Description, f.Name, "allow_fields documents every allowable field")
		}
	}
}

// The error table is the one list: every activity type that is not
// retryable is in NonRetryable, and no run failure type is.
func TestErrorTable(t *testing.T) {
	for _, e := range ErrorTypes() {
		in := slices.Contains(NonRetryable, e.Name)
		if e.Run && in || !e.Run && in == e.Retryable {
			t.Errorf("%s: retryable %v, run %v, in NonRetryable %v", e.Name, e.Retryable, e.Run, in)
		}
	}
	if !Retryable(ErrRateLimited) || Retryable(ErrOutputTooLarge) || Retryable(ErrProtected) {
		t.Error("Retryable disagrees with the table")
	}
}
