package workflows

import (
	"encoding/json"
	"fmt"
	"sort"
)

// maxReport bounds the run's status wherever it leaves the workflow: the
// status query's answer, the run's result and the failure's details. Each
// is one Temporal payload (2 MiB by default); a status above that would
// make the final workflow task fail for ever, and the run could then be
// neither queried nor cancelled. Half the limit leaves room for the rest
// of the task's commands.
const maxReport = 1 << 20

// maxOutputs bounds a playbook's outputs: together, within the report.
const maxOutputs = 768 << 10

// report returns the status in a form that fits maxReport: when it does
// not fit, a copy in which the largest step outputs, one by one, are
// replaced by their summaries ({truncated, bytes, items}). Later steps
// and expressions always see full outputs; only the report is shortened.
func (r *run) report() *RunStatus {
	st := r.status
	b, err := json.Marshal(st)
	if err != nil || len(b) <= maxReport {
		return st
	}
	type sized struct {
		i, n int
	}
	var outs []sized
	for i, s := range st.Steps {
		if s.Output == nil {
			continue
		}
		ob, err := json.Marshal(s.Output)
		if err == nil && len(ob) > 64 {
			outs = append(outs, sized{i, len(ob)})
		}
	}
	sort.SliceStable(outs, func(a, b int) bool { return outs[a].n > outs[b].n })
	cp := *st
	cp.Steps = append([]*StepStatus(nil), st.Steps...)
	total := len(b)
	for _, o := range outs {
		if total <= maxReport {
			break
		}
		s := *cp.Steps[o.i]
		s.Output = outline(s.Output, o.n)
		cp.Steps[o.i] = &s
		total -= o.n - 100
	}
	return &cp
}

// outline is what a report shows of an output too large to carry.
func outline(v any, n int) map[string]any {
	s := map[string]any{"truncated": true, "bytes": n}
	switch t := v.(type) {
	case []any:
		s["items"] = len(t)
	case map[string]any:
		if t["truncated"] == true {
			return t
		}
		if res, ok := t["results"].([]any); ok {
			s["items"] = len(res)
			s["status"] = t["status"]
		}
	}
	return s
}

// checkOutputs refuses outputs: that a report could not carry, naming the
// size, the limit and what to do instead.
func checkOutputs(outputs map[string]any) error {
	b, err := json.Marshal(outputs)
	if err != nil {
		return fmt.Errorf("outputs cannot be encoded as JSON: %v", err)
	}
	if len(b) <= maxOutputs {
		return nil
	}
	biggest, size := "", 0
	for _, k := range sortedKeys(outputs) {
		ob, _ := json.Marshal(outputs[k])
		if len(ob) > size {
			biggest, size = k, len(ob)
		}
	}
	return fmt.Errorf("outputs are %d bytes (output %s alone %d), over the limit of %d bytes for a run's result: "+
		"return counts, ids or a sample instead (len(...), jsonpath(..., \"$[*].id\"), a slice)", len(b), biggest, size, maxOutputs)
}
