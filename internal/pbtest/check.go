package pbtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

var (
	runStatuses = []string{string(workflows.RunSucceeded), string(workflows.RunFailed), string(workflows.RunRejected),
		string(workflows.RunCancelled)}
	stepStatuses = []string{string(playbook.StatusSucceeded), string(playbook.StatusPartiallySucceeded),
		string(playbook.StatusFailed), string(playbook.StatusSkipped), string(playbook.StatusPlanned),
		string(playbook.StatusRejected), string(playbook.StatusPending)}
	userStatuses = []string{"ACTIVE", "STAGED", "PROVISIONED", "DEPROVISIONED", "RECOVERY", "LOCKED_OUT", "SUSPENDED", "PASSWORD_EXPIRED", "absent"}
	decisions    = []string{string(playbook.Approve), string(playbook.Reject), decisionTimeout}
	answers      = []string{"429", "500", "503", "lost"}
)

// check resolves the playbook and checks every name the cases use against
// it: steps, outputs, approvals, statuses.
func (f *File) check(errs *sink, library string) {
	if f.Playbook == "" {
		errs.at(f.token("$"), playbook.CheckMissingKey, "a test file names its playbook (playbook: NAME)")
		return
	}
	lib := runs.Library{Dir: library, Registry: action.Okta()}
	arg := f.Playbook
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") {
		arg = filepath.Join(filepath.Dir(f.Path), arg)
	}
	pb, err := lib.Resolve(arg)
	if list, ok := runs.IsInvalid(err); ok {
		errs.at(f.token("$.playbook"), playbook.CheckUnknownPlaybook, "playbook %s has errors:\n%s", f.Playbook, list.Error())
		return
	}
	if err != nil {
		errs.at(f.token("$.playbook"), playbook.CheckUnknownPlaybook, "no playbook %q in %s", f.Playbook, library)
		return
	}
	f.pb = pb
	if len(f.Cases) == 0 {
		errs.at(f.token("$"), playbook.CheckMissingKey, "no cases: a test file holds at least one case")
	}
	steps := map[string]*playbook.Step{}
	collectSteps(pb.Steps, steps)
	if pb.Guardrails.AboveLimit == playbook.AboveLimitApproval {
		// The gate a step above max_targets waits at (workflows'
		// limitApproval): <id>-limit, an approval step of the run.
		for id, s := range steps {
			if s.Kind == playbook.KindAction {
				steps[id+"-limit"] = &playbook.Step{ID: id + "-limit", Kind: playbook.KindApproval}
			}
		}
	}
	var outputs []string
	for _, o := range pb.Outputs {
		outputs = append(outputs, o.Name)
	}
	names := map[string]bool{}
	for i, c := range f.Cases {
		at := fmt.Sprintf("$.cases[%d]", i)
		if c.Name == "" {
			errs.at(f.token(at), playbook.CheckMissingKey, "case %d has no name", i+1)
		} else if names[c.Name] {
			errs.at(f.token(at+".name"), playbook.CheckDuplicateKey, "two cases are named %q", c.Name)
		}
		names[c.Name] = true
		f.checkCase(errs, at, c, steps, outputs)
	}
}

func collectSteps(list []*playbook.Step, into map[string]*playbook.Step) {
	for _, s := range list {
		into[s.ID] = s
		collectSteps(s.Parallel, into)
	}
}

func (f *File) checkCase(errs *sink, at string, c Case, steps map[string]*playbook.Step, outputs []string) {
	stepIDs := make([]string, 0, len(steps))
	for id := range steps {
		stepIDs = append(stepIDs, id)
	}
	slices.Sort(stepIDs)
	oneOf := func(path, what, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			errs.at(f.token(path), playbook.CheckEnum, "%s %q: want one of %s", what, v, strings.Join(allowed, ", "))
		}
	}
	if c.Org.Seed != "" && c.Org.Seed != oktasim.SeedDemo && c.Org.Seed != oktasim.SeedEmpty {
		errs.at(f.token(at+".org.seed"), playbook.CheckEnum, "seed %q: want demo or empty", c.Org.Seed)
	}
	for j, u := range c.Org.Users {
		if u.Login == "" {
			errs.at(f.token(fmt.Sprintf("%s.org.users[%d]", at, j)), playbook.CheckMissingKey, "a fixture user needs a login")
		}
		oneOf(fmt.Sprintf("%s.org.users[%d].status", at, j), "user status", u.Status, userStatuses[:len(userStatuses)-1])
	}
	if path, ok := c.Alert.(string); ok {
		if _, err := os.Stat(filepath.Join(filepath.Dir(f.Path), path)); err != nil {
			errs.at(f.token(at+".alert"), playbook.CheckValue, "alert file %s: %v", path, err)
		}
	} else if _, ok := c.Alert.(map[string]any); c.Alert != nil && !ok {
		errs.at(f.token(at+".alert"), playbook.CheckType, "alert: want a mapping or a JSON file name")
	}
	for j, a := range c.Approvals {
		p := fmt.Sprintf("%s.approvals[%d]", at, j)
		s := steps[a.Step]
		switch {
		case a.Step == "":
			errs.at(f.token(p), playbook.CheckMissingKey, "an approval names its step")
		case s == nil:
			errs.at(f.token(p+".step"), playbook.CheckUnknownStep, "no step %q in %s%s", a.Step, f.pb.Name, didYouMean(a.Step, stepIDs))
		case s.Kind != playbook.KindApproval:
			errs.at(f.token(p+".step"), playbook.CheckValue, "step %q is a %s step, not an approval", a.Step, s.Kind)
		}
		oneOf(p+".decision", "decision", a.Decision, decisions)
		if a.By == "" && a.Decision != decisionTimeout {
			errs.at(f.token(p), playbook.CheckMissingKey, "an approval says who decides (by: NAME)")
		}
	}
	for j, ft := range c.Faults {
		p := fmt.Sprintf("%s.faults[%d]", at, j)
		oneOf(p+".answer", "answer", ft.Answer, answers)
		if ft.Answer == "" {
			errs.at(f.token(p), playbook.CheckMissingKey, "a fault says how the org answers (answer: 429, 500, 503 or lost)")
		}
		if ft.Request < 0 || ft.Times < 0 {
			errs.at(f.token(p), playbook.CheckValue, "request and times count from 1")
		}
	}
	f.checkExpect(errs, at, c.Expect, steps, stepIDs, outputs)
}

// checkExpect checks the names an expect: block uses.
func (f *File) checkExpect(errs *sink, at string, e Expect, steps map[string]*playbook.Step, stepIDs, outputs []string) {
	oneOf := func(path, what, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			errs.at(f.token(path), playbook.CheckEnum, "%s %q: want one of %s", what, v, strings.Join(allowed, ", "))
		}
	}
	oneOf(at+".expect.status", "run status", e.Status, runStatuses)
	for id, st := range e.Steps {
		p := at + ".expect.steps." + pathKey(id)
		if steps[id] == nil {
			errs.at(f.token(p), playbook.CheckUnknownStep, "no step %q in %s%s", id, f.pb.Name, didYouMean(id, stepIDs))
		}
		oneOf(p, "step status", st, stepStatuses)
	}
	for name := range e.Outputs {
		if !slices.Contains(outputs, name) {
			errs.at(f.token(at+".expect.outputs."+pathKey(name)), playbook.CheckReference, "%s has no output %q (outputs: %s)%s",
				f.pb.Name, name, strings.Join(outputs, ", "), didYouMean(name, outputs))
		}
	}
	for login, st := range e.Users {
		oneOf(at+".expect.users."+pathKey(login), "user status", st, userStatuses)
	}
	for name, z := range e.Zones {
		if _, err := zoneExpectation(z); err != nil {
			errs.at(f.token(at+".expect.zones."+pathKey(name)), playbook.CheckType, "%v", err)
		}
	}
}

// pathKey quotes a mapping key for a YAML path when it holds characters
// the path syntax gives a meaning (jane.doe@acme.com).
func pathKey(k string) string {
	if strings.ContainsAny(k, ".[]'* ") {
		return "'" + k + "'"
	}
	return k
}

// didYouMean suggests the closest known name.
func didYouMean(got string, known []string) string {
	best, dist := "", 4
	for _, k := range known {
		if d := levenshtein(got, k); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
