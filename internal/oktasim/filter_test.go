package oktasim

import (
	"strings"
	"testing"
)

func TestParseExpr(t *testing.T) {
	t.Parallel()
	u := &user{id: "00u1", status: "ACTIVE", profile: map[string]any{"login": "a.b@acme.com", "firstName": "Ann", "department": "Eng"}}
	tests := []struct {
		expr  string
		fold  bool
		match bool
		err   string
	}{
		{`status eq "ACTIVE"`, false, true, ""},
		{`status EQ "ACTIVE"`, false, true, ""}, // operators are case-insensitive
		{`status eq "active"`, false, false, ""},
		{`status eq "active"`, true, true, ""},
		{`status eq "X" or (id eq "00u1" and profile.firstName sw "A")`, false, true, ""},
		{`status eq "X" or id eq "00u1" and profile.firstName sw "B"`, false, false, ""}, // and binds tighter
		{`profile.login co "@acme"`, false, true, ""},
		{`profile.title pr`, false, false, ""},
		{`profile.firstName pr and not (status eq "STAGED")`, false, true, ""},
		{`status lt "STAGED" or status gt "STAGED"`, false, true, ""},
		{`profile.login eq "a\"b"`, false, false, ""},
		{`status eqq "ACTIVE"`, false, false, "Unrecognized attribute operator 'eqq' at position 7"},
		{`status eq`, false, false, "Missing value"},
		{`(status eq "A"`, false, false, "Missing ')'"},
		{`status eq "A" )`, false, false, "Unexpected ')'"},
		{`"status" eq "A"`, false, false, "Invalid attribute name"},
		{`status eq "unterminated`, false, false, "Unterminated string"},
		{``, false, false, "Empty expression"},
		{strings.Repeat("(", 100) + `id eq "x"` + strings.Repeat(")", 100), false, false, "too deeply nested"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			n, err := parseExpr(tc.expr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := eval(n, userGetter(u), tc.fold); got != tc.match {
				t.Fatalf("match %v, want %v", got, tc.match)
			}
		})
	}
}

// FuzzParseExpr checks that no filter or search string makes the parser,
// the endpoint rules or the evaluator panic.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{`status eq "ACTIVE"`, `(id eq "a" or id eq "b") and usage eq "POLICY"`,
		`lastUpdated gt "2024-01-01T00:00:00.000Z"`, `profile.email pr`, `not (a eq 1)`, `a eq true or b eq null`,
		`target.id eq "00u" and client.ipAddress sw "10."`, `x eq "\"\\"`, `((`, `eq eq eq`} {
		f.Add(s)
	}
	u := &user{id: "00u1", status: "ACTIVE", profile: map[string]any{"login": "a@b.c"}}
	ev := map[string]any{"eventType": "x", "target": []any{map[string]any{"id": "1"}}, "n": 3.0}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseExpr(s)
		if err != nil {
			return
		}
		_ = walk(n, false, checkUserFilter)
		_ = walk(n, true, checkUserSearch)
		_ = walk(n, true, checkGroupSearch)
		_, _ = parseLogFilter(s)
		eval(n, userGetter(u), true)
		eval(n, eventGetter(ev), false)
	})
}
