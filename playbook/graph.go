package playbook

import (
	"fmt"
	"strings"
)

// Mermaid renders the playbook's steps as a Mermaid flowchart: steps in
// order, parallel blocks as subgraphs whose branches fan out and join,
// conditions on the incoming edge, a shape per kind.
func Mermaid(p *Playbook) string {
	g := &graph{}
	g.line("flowchart TD")
	g.line(`  start(["%s"])`, label(p.Name))
	exits := g.steps(p.Steps, []string{"start"}, "  ")
	g.line(`  finish(["end"])`)
	for _, e := range exits {
		g.line("  %s --> finish", e)
	}
	g.line("  classDef approval fill:#fff3cd,stroke:#b58900")
	g.line("  classDef fail fill:#f8d7da,stroke:#dc3545")
	g.line("  classDef control fill:#e2e3e5,stroke:#6c757d")
	return g.b.String()
}

type graph struct {
	b strings.Builder
	n int
}

func (g *graph) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

// steps draws a sequence, entered from prev, and returns its exits.
func (g *graph) steps(steps []*Step, prev []string, indent string) []string {
	for _, s := range steps {
		entries, exits := g.step(s, indent)
		edge := " --> "
		if s.If != nil {
			edge = fmt.Sprintf(` -->|"if %s"| `, label(clip(strings.Join(s.If.Expressions(), " "), 40)))
		}
		for _, p := range prev {
			for _, e := range entries {
				g.line("%s%s%s%s", indent, p, edge, e)
			}
		}
		prev = exits
	}
	return prev
}

// step draws one step and returns the nodes that enter and leave it.
func (g *graph) step(s *Step, indent string) (entries, exits []string) {
	g.n++
	id := fmt.Sprintf("n%d", g.n)
	if s.Kind == KindParallel {
		g.line(`%ssubgraph %s ["%s (parallel)"]`, indent, id, label(s.ID))
		for _, b := range s.Parallel {
			in, out := g.step(b, indent+"  ")
			entries = append(entries, in...)
			exits = append(exits, out...)
		}
		g.line("%send", indent)
		return entries, exits
	}
	text := s.ID + "<br/>" + stepSummary(s)
	if s.Foreach != nil {
		text += "<br/>for each item"
		if s.Concurrency > 0 {
			text += fmt.Sprintf(", %d at a time", s.Concurrency)
		}
	}
	if s.ContinueOnError {
		text += "<br/>continues on error"
	}
	open, end, class := "[", "]", ""
	switch s.Kind {
	case KindApproval:
		open, end, class = "{{", "}}", ":::approval"
	case KindFail:
		open, end, class = "[/", "/]", ":::fail"
	case KindPlaybook:
		open, end = "[[", "]]"
	case KindSet, KindWait:
		open, end, class = "(", ")", ":::control"
	}
	g.line(`%s%s%s"%s"%s%s`, indent, id, open, label(text), end, class)
	return []string{id}, []string{id}
}

func stepSummary(s *Step) string {
	switch s.Kind {
	case KindAction:
		return s.Action
	case KindPlaybook:
		return "playbook " + s.Playbook
	case KindWait:
		return "wait " + s.Wait.String()
	case KindSet:
		return "set vars"
	case KindApproval:
		return "approval"
	case KindFail:
		return "fail"
	}
	return string(s.Kind)
}

// label escapes text for a quoted Mermaid label.
func label(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<br/>", "\x00", "<", "#lt;", ">", "#gt;", "\n", " ")
	return strings.ReplaceAll(r.Replace(s), "\x00", "<br/>")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
