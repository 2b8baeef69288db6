package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/cordonsec/cordon/action"
)

// Options configure Load.
type Options struct {
	// Registry holds the actions steps may use. Required.
	Registry *action.Registry
	// Library reports whether a library playbook with the given name
	// exists, for playbook: steps. nil skips that check.
	Library func(name string) bool
	// ChildInputs returns the declared inputs of a library playbook, so a
	// playbook: step's with: is checked like an action's: unknown inputs and
	// missing required ones are errors. nil, or a nil result, skips the check.
	ChildInputs func(name string) []*Input
	// Child returns a library playbook by name (nil when there is none), so
	// chains of playbook: steps that come back to a playbook on the chain
	// are reported as errors (kind cycle). nil skips the check.
	Child func(name string) *Playbook
	// Pinned marks the re-parse of a pinned playbook inside a workflow. It
	// skips the authoring checks added after playbooks were first pinned
	// (the registry's parameter rules, typed outputs): skipping a check can
	// only let more load, so a run started before them still replays, and
	// the workflow never reads the machine's clock (the rules about times
	// do). The run was checked in full when it was started.
	Pinned bool
	// Check, when set, adds the caller's own checks of a playbook that
	// loaded without errors (cordon validate --connections: connection
	// names and OAuth scopes, package connections/usage); its errors fail
	// the load like any other.
	Check func(*Playbook) ErrorList
}

// Top-level keys, in the order the docs present them.
var topKeys = []string{"name", "version", "description", "connection", "inputs", "guardrails", "on", "steps", "outputs"}

var (
	namePattern  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	identPattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// decoder holds one load's state.
type decoder struct {
	src     *source
	errs    *errorSink
	opts    Options
	inputs  map[string]*Input
	stepIDs map[string]bool
	// stepShapes are the output shapes of action steps (check_outputs.go).
	stepShapes map[string]*action.Shape
	pb         *Playbook
	exprs      *exprCompiler // created on the first expression
}

// Load parses and validates a playbook. On any problem it returns a nil
// playbook and an ErrorList holding every error found, sorted by position.
func Load(file string, src []byte, opts Options) (*Playbook, error) {
	if opts.Registry == nil {
		panic("playbook: Options.Registry is required")
	}
	s := newSource(file, src)
	d := &decoder{src: s, errs: &errorSink{src: s}, opts: opts, inputs: map[string]*Input{}, stepIDs: map[string]bool{}}
	sum := sha256.Sum256(src)
	d.pb = &Playbook{File: file, Source: src, SHA256: hex.EncodeToString(sum[:]), Version: 1,
		Guardrails: Guardrails{AboveLimit: AboveLimitFail}}
	if root := parseYAML(s, d.errs); root != nil {
		d.playbook(root)
	}
	if len(d.errs.list) == 0 && opts.Child != nil {
		d.cycles(opts.Child)
	}
	if len(d.errs.list) == 0 && opts.Check != nil {
		d.errs.list = append(d.errs.list, opts.Check(d.pb)...)
	}
	if len(d.errs.list) > 0 {
		return nil, sortErrors(d.errs.list)
	}
	return d.pb, nil
}

// LoadFile reads and loads a playbook file.
func LoadFile(path string, opts Options) (*Playbook, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, src, opts)
}

// LoadDir loads every *.yaml and *.yml file of a directory as the playbook
// library, keyed by playbook name. A library file is named after its
// playbook (enrich-user.yaml holds enrich-user), which is how `cordon run
// NAME` and playbook: steps find it; Library defaults to that lookup in
// dir, so library playbooks may call each other; a playbook on a cycle of
// playbook: steps is reported (kind cycle) and left out.
func LoadDir(dir string, opts Options) (map[string]*Playbook, ErrorList) {
	if opts.Library == nil {
		opts.Library = DirLibrary(dir)
	}
	if opts.ChildInputs == nil {
		opts.ChildInputs = DirChildInputs(dir, opts.Registry)
	}
	if opts.Child == nil {
		opts.Child = DirChild(dir, opts.Registry)
	}
	out := map[string]*Playbook{}
	var errs ErrorList
	for _, f := range libraryFiles(dir) {
		p, err := LoadFile(f, opts)
		switch e := err.(type) {
		case nil:
		case ErrorList:
			errs = append(errs, e...)
			continue
		default:
			errs = append(errs, &Error{File: f, Line: 1, Col: 1, Kind: CheckSyntax, Message: err.Error()})
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".yaml"), ".yml")
		if p.Name != base {
			errs = append(errs, &Error{File: f, Line: 1, Col: 1, Kind: CheckValue,
				Message: fmt.Sprintf("library file %s holds playbook %q: name the file %s.yaml so that runs and playbook: steps find it", filepath.Base(f), p.Name, p.Name)})
			continue
		}
		out[p.Name] = p
	}
	return out, sortErrors(errs)
}

// playbook decodes the top-level mapping.
func (d *decoder) playbook(root *node) {
	o := d.object(root, "the playbook", topKeys)
	if o == nil {
		return
	}
	pb := d.pb
	if n := o.val("name"); n != nil {
		if s, ok := d.str(n, "name"); ok {
			if !namePattern.MatchString(s) {
				d.errs.add(n.pos, CheckValue, "name %q must be kebab-case: lower-case letters, digits and single dashes, starting with a letter", s)
			}
			pb.Name = s
		}
	} else if !o.typos["name"] {
		d.errs.add(root.pos, CheckMissingKey, "missing name: every playbook needs a unique kebab-case name")
	}
	if n := o.val("version"); n != nil {
		pb.Version = d.integer(n, "version", 1)
	}
	if n := o.val("description"); n != nil {
		pb.Description, _ = d.str(n, "description")
	}
	if n := o.val("connection"); n != nil {
		pb.Connection, pb.ConnectionPos = d.connection(n)
	}
	d.decodeInputs(o.val("inputs"))
	d.decodeGuardrails(o.val("guardrails"))
	if n := o.val("steps"); n != nil {
		d.decodeSteps(n)
	} else if !o.typos["steps"] {
		d.errs.add(root.pos, CheckMissingKey, "missing steps: a playbook needs at least one step")
	}
	d.decodeOutputs(o.val("outputs"))
	d.decodeTriggers(o.val("on"))
}

func (d *decoder) decodeGuardrails(n *node) {
	o := d.object(n, "guardrails", []string{"max_targets", "above_limit", "max_depth", "max_run_targets"})
	if o == nil {
		return
	}
	g := &d.pb.Guardrails
	g.Pos = n.pos
	g.AboveLimit = AboveLimitFail
	if v := o.val("max_targets"); v != nil {
		g.MaxTargets = d.integer(v, "guardrails.max_targets", 1)
	}
	if v := o.val("max_run_targets"); v != nil {
		g.MaxRunTargets = d.integer(v, "guardrails.max_run_targets", 1)
	}
	if v := o.val("max_depth"); v != nil {
		if g.MaxDepth = d.integer(v, "guardrails.max_depth", 1); g.MaxDepth > MaxChildDepthCeiling {
			d.errs.add(v.pos, CheckValue, "guardrails.max_depth must be at most %d, got %d", MaxChildDepthCeiling, g.MaxDepth)
			g.MaxDepth = 0
		}
	}
	if v := o.val("above_limit"); v != nil {
		if s := d.enum(v, "guardrails.above_limit", string(AboveLimitFail), string(AboveLimitApproval)); s != "" {
			g.AboveLimit = AboveLimit(s)
		}
	}
}

func (d *decoder) decodeOutputs(n *node) {
	keys, vals := d.dict(n, "outputs")
	sc := &scope{where: "outputs", done: d.stepIDs, vars: d.allVars()}
	for i, k := range keys {
		if !identPattern.MatchString(k.str) {
			d.errs.add(k.pos, CheckValue, "output name %q must be an identifier (letters, digits, _)", k.str)
		}
		d.pb.Outputs = append(d.pb.Outputs, &Output{Name: k.str, Value: d.value(vals[i], sc), Pos: k.pos})
	}
}
