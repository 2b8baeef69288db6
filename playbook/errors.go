package playbook

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Check names the check an error comes from (its kind), printed in brackets after each message. They are stable: tests,
// editors and `--output json` consumers match on them.
const (
	CheckSyntax          = "syntax"           // YAML that does not parse (tabs included)
	CheckUnknownKey      = "unknown-key"      // a key the format does not define
	CheckDuplicateKey    = "duplicate-key"    // the same key twice in one mapping
	CheckMissingKey      = "missing-key"      // a required key is absent
	CheckType            = "type"             // wrong YAML node kind or literal type
	CheckValue           = "value"            // a well-typed but invalid value
	CheckStepKind        = "step-kind"        // zero or several kind keys on a step
	CheckUnknownAction   = "unknown-action"   // action not in the registry
	CheckUnknownParam    = "unknown-param"    // with: key the action does not take
	CheckMissingParam    = "missing-param"    // required action parameter absent
	CheckParamType       = "param-type"       // literal parameter of the wrong type
	CheckEnum            = "enum"             // value outside the allowed set
	CheckDuplicateID     = "duplicate-id"     // two steps with one id
	CheckUnknownStep     = "unknown-step"     // steps.X names no step
	CheckStepOrder       = "step-order"       // steps.X runs later (or is the step itself)
	CheckUnknownInput    = "unknown-input"    // inputs.X is not declared
	CheckUnknownVar      = "unknown-var"      // vars.X is set by no earlier step
	CheckReference       = "reference"        // other bad references (steps.X.foo, run.foo)
	CheckLoopVar         = "loop-var"         // item/index outside foreach
	CheckScope           = "scope"            // a context variable not available here
	CheckExpression      = "expression"       // an expression that does not compile
	CheckForeach         = "foreach"          // foreach on a step that cannot fan out
	CheckDuration        = "duration"         // a duration that does not parse
	CheckApproval        = "approval"         // approval without a message
	CheckUnreachable     = "unreachable"      // a setting that can never take effect
	CheckUnknownPlaybook = "unknown-playbook" // playbook: not in the library
	CheckUndoAfter       = "undo-after"       // undo_after on an action without undo
	CheckTrigger         = "trigger"          // trigger mapping problems
	CheckInput           = "input"            // input declaration problems
)

// Error is one problem in a playbook, at a 1-based line and column.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
	Kind    string `json:"kind"`
	// Severity is "warning" for a problem that leaves the playbook valid
	// (check_approval_preview.go); empty for an error.
	Severity string `json:"severity,omitempty"`
	Snippet  string `json:"-"` // the source line, for the caret display
}

// Error formats the error as "file:line:col: message [kind]", a warning
// as "file:line:col: warning: message [kind]".
func (e *Error) Error() string {
	if e.Severity != "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", e.File, e.Line, e.Col, e.Severity, e.Message, e.Kind)
	}
	return fmt.Sprintf("%s:%d:%d: %s [%s]", e.File, e.Line, e.Col, e.Message, e.Kind)
}

// ErrorList is every error of a load, sorted by file, line and column.
type ErrorList []*Error

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// MarshalJSON writes the list as a JSON array, never null, so consumers can
// iterate without a nil check.
func (l ErrorList) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]*Error(l))
}

// Format writes each error with its source line and a caret under the
// column, like a compiler. color adds ANSI colors for terminals.
func (l ErrorList) Format(w io.Writer, color bool) error {
	for _, e := range l {
		head := e.Error()
		if color {
			head = fmt.Sprintf("\x1b[1m%s:%d:%d:\x1b[0m \x1b[31m%s\x1b[0m \x1b[2m[%s]\x1b[0m", e.File, e.Line, e.Col, e.Message, e.Kind)
		}
		if _, err := fmt.Fprintln(w, head); err != nil {
			return err
		}
		if e.Snippet == "" {
			continue
		}
		caret := caretLine(e.Snippet, e.Col)
		if color {
			caret = "\x1b[32m" + caret + "\x1b[0m"
		}
		if _, err := fmt.Fprintf(w, "  | %s\n  | %s\n", e.Snippet, caret); err != nil {
			return err
		}
	}
	return nil
}

// caretLine puts ^ under the 1-based rune column col, copying tabs from the
// source line so the caret lines up however the terminal expands them.
func caretLine(line string, col int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	for ; i < col; i++ {
		b.WriteByte(' ')
	}
	b.WriteByte('^')
	return b.String()
}

// sortErrors orders errors by position and drops exact duplicates, which
// arise when one bad node is reached by two checks.
func sortErrors(l ErrorList) ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Message, b.Message), cmp.Compare(a.Kind, b.Kind))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}
