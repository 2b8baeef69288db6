package action

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Issue is a problem with a combination or form of an action's literal
// parameters, found before anything runs (see Action.Rules).
type Issue struct {
	Param string // the parameter to point at
	Msg   string
	// Key, when set, is the key of an object parameter the issue is
	// about (profile.login), for validate to point at.
	Key string
}

// AllKeyword is the word an integer parameter with AllowAll accepts in
// place of 0: no limit.
const AllKeyword = "all"

// UserFilterAttrs are the attributes Okta's `filter` on /api/v1/users
// accepts; anything else (profile.department, custom attributes) is
// answered 400 E0000031 and needs `search`.
var UserFilterAttrs = []string{"status", "lastUpdated", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName"}

// comparison finds "attribute operator" pairs in an Okta filter or search
// expression; quoted values are removed first so their text is not read
// as an attribute.
var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	comparison = regexp.MustCompile(`([A-Za-z_][\w.]*)\s+(eq|ne|gt|ge|lt|le|sw|co|ew|pr)\b`)
)

// userQueryRules are Get Users' rules: Okta's rules for combining and
// writing filter, search and q. The filter syntax rule reads template text
// too (the attribute in 'profile.department eq "${{ inputs.d }}"' is
// literal).
func userQueryRules() []Rule {
	return []Rule{
		{Param: ParamSearch, When: []Cond{{Param: ParamSearch}}, Excludes: []Cond{{Param: ParamFilter}},
			Msg: "cannot be combined with filter: Okta answers 400 E0000033 " +
				`"Can't specify a search query and filter in the same request"; move the filter's conditions into search`},
		{Param: ParamQ, When: []Cond{{Param: ParamQ}}, Excludes: []Cond{{Param: ParamFilter}, {Param: ParamSearch}},
			Msg: "is a prefix lookup of its own; give q, filter or search, not several"},
		{Param: ParamFilter, Check: checkUserFilter, Reads: []string{ParamFilter}, TextOK: true,
			Doc: "`filter` selects only " + strings.Join(UserFilterAttrs, ", ") + " with eq (gt, ge, lt, le also on lastUpdated), as Okta's filter does"},
	}
}

// checkUserFilter checks the attributes and operators of a filter.
func checkUserFilter(v Values) []Issue {
	filter, _ := v.Text(ParamFilter)
	var out []Issue
	for _, m := range comparison.FindAllStringSubmatch(quoted.ReplaceAllString(filter, `""`), -1) {
		attr, op := m[1], m[2]
		if !slices.Contains(UserFilterAttrs, attr) {
			out = append(out, Issue{Param: ParamFilter, Msg: fmt.Sprintf(
				"Okta's filter cannot select %s (400 E0000031 Invalid search criteria); filter takes %s; "+
					"use search instead, e.g. search: '%s eq \"...\"'", attr, strings.Join(UserFilterAttrs, ", "), attr)})
			continue
		}
		if op != "eq" && !(attr == "lastUpdated" && (op == "gt" || op == "ge" || op == "lt" || op == "le")) {
			out = append(out, Issue{Param: ParamFilter, Msg: fmt.Sprintf(
				"Okta's filter supports only eq on %s (gt, ge, lt, le also on lastUpdated); use search for %s", attr, op)})
		}
	}
	return out
}
