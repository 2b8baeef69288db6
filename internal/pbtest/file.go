package pbtest

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/cordonsec/cordon/playbook"
)

// Suffix ends the name of every test file.
const Suffix = ".test.yaml"

// File is one test file: a playbook and its cases.
type File struct {
	Path     string `yaml:"-"`
	Playbook string `yaml:"playbook"`
	Cases    []Case `yaml:"cases"`

	pb  *playbook.Playbook
	ast *ast.File
	src []byte
}

// Case is one run of the playbook and what it must do.
type Case struct {
	Name      string         `yaml:"name"`
	Org       Org            `yaml:"org"`
	Alert     any            `yaml:"alert"` // a mapping, or a JSON file relative to the test file
	Inputs    map[string]any `yaml:"inputs"`
	StartedBy string         `yaml:"started_by"`
	DryRun    bool           `yaml:"dry_run"`
	Approvals []Approval     `yaml:"approvals"`
	Faults    []Fault        `yaml:"faults"`
	Expect    Expect         `yaml:"expect"`
}

// Org is the case's fixture: a seed plus changes.
type Org struct {
	Seed   string           `yaml:"seed"` // demo (default) or empty
	Users  []FixtureUser    `yaml:"users"`
	Groups []FixtureGroup   `yaml:"groups"`
	Zones  []FixtureZone    `yaml:"zones"`
	Events []map[string]any `yaml:"events"`
}

// FixtureUser adds a user, or changes the seeded user with this login.
type FixtureUser struct {
	Login      string   `yaml:"login"`
	FirstName  string   `yaml:"first_name"`
	LastName   string   `yaml:"last_name"`
	Email      string   `yaml:"email"`
	Department string   `yaml:"department"`
	Status     string   `yaml:"status"`
	Groups     []string `yaml:"groups"` // group names
}

// FixtureGroup adds an Okta group.
type FixtureGroup struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// FixtureZone adds an IP network zone.
type FixtureZone struct {
	Name     string   `yaml:"name"`
	Usage    string   `yaml:"usage"`  // BLOCKLIST (default) or POLICY
	Status   string   `yaml:"status"` // ACTIVE (default) or INACTIVE
	Gateways []string `yaml:"gateways"`
}

// decisionTimeout is a case's third decision besides playbook.Approve and
// playbook.Reject: nobody decides, the approval's deadline passes.
const decisionTimeout = "timeout"

// Approval is a decision the case gives when a step waits for one.
type Approval struct {
	Step     string   `yaml:"step"`
	Decision string   `yaml:"decision"` // approve (default), reject, or timeout (decisionTimeout)
	By       string   `yaml:"by"`
	Groups   []string `yaml:"groups"`
	Comment  string   `yaml:"comment"`
}

// Fault makes the org answer one request (or more) badly.
type Fault struct {
	Method  string `yaml:"method"`  // default: any
	Path    string `yaml:"path"`    // a path prefix; default: any API path
	Request int    `yaml:"request"` // the Nth matching request, 1-based; default 1
	Times   int    `yaml:"times"`   // how many requests from the Nth on; default 1
	Answer  string `yaml:"answer"`  // 429, 500, 503 or lost
}

// Expect is what the run must have done.
type Expect struct {
	Status    string            `yaml:"status"`
	Error     string            `yaml:"error"` // a substring of the run's error
	Steps     map[string]string `yaml:"steps"`
	Outputs   map[string]any    `yaml:"outputs"`
	Users     map[string]string `yaml:"users"` // login -> status after the run
	Zones     map[string]any    `yaml:"zones"` // name -> absent | {status, gateways}
	Unchanged *bool             `yaml:"unchanged"`
	Writes    *[]string         `yaml:"writes"`
}

// Load reads and checks a test file against the playbook library dir
// ("" is the file's own directory). Problems are a playbook.ErrorList.
func Load(path, library string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, src: src}
	errs := &sink{file: path, src: src}
	tree, err := parser.ParseBytes(src, 0)
	if err != nil {
		errs.fromYAML(err)
		return nil, errs.list
	}
	f.ast = tree
	if err := yaml.UnmarshalWithOptions(src, f, yaml.DisallowUnknownField()); err != nil {
		errs.fromYAML(err)
		return nil, errs.list
	}
	if library == "" {
		library = filepath.Dir(path)
	}
	f.check(errs, library)
	if len(errs.list) > 0 {
		// By position, as a playbook's errors are.
		slices.SortStableFunc(errs.list, func(a, b *playbook.Error) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		return nil, errs.list
	}
	return f, nil
}

// sink collects positioned errors.
type sink struct {
	file string
	src  []byte
	list playbook.ErrorList
}

func (s *sink) at(tk *token.Token, kind, format string, args ...any) {
	line, col := 1, 1
	if tk != nil && tk.Position != nil {
		line, col = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
	}
	lines := strings.Split(string(s.src), "\n")
	snippet := ""
	if line <= len(lines) {
		snippet = strings.TrimRight(lines[line-1], "\r")
	}
	s.list = append(s.list, &playbook.Error{File: s.file, Line: line, Col: col, Kind: kind,
		Message: fmt.Sprintf(format, args...), Snippet: snippet})
}

// yamlError is what go-yaml's errors have in common.
type yamlError interface {
	GetToken() *token.Token
	GetMessage() string
}

func (s *sink) fromYAML(err error) {
	var ye yamlError
	if errors.As(err, &ye) {
		kind := playbook.CheckSyntax
		msg := ye.GetMessage()
		if strings.Contains(msg, "unknown field") {
			kind = playbook.CheckUnknownKey
		} else if strings.Contains(msg, "cannot unmarshal") {
			kind = playbook.CheckType
		}
		s.at(ye.GetToken(), kind, "%s", msg)
		return
	}
	s.at(nil, playbook.CheckSyntax, "%s", err.Error())
}

// node finds the YAML node at a path such as $.cases[0].expect.steps.x;
// nil when there is none (the key was left out).
func (f *File) node(path string) ast.Node {
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(f.ast)
	if err != nil {
		return nil
	}
	return n
}

// token is the position of path, or of its nearest existing parent.
func (f *File) token(path string) *token.Token {
	for path != "" {
		if n := f.node(path); n != nil {
			return keyToken(f.ast, n)
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return nil
}

// keyToken points at the key of a mapping value when there is one, so the
// caret lands on "find:" rather than on its value.
func keyToken(root *ast.File, n ast.Node) *token.Token {
	tk := n.GetToken()
	for _, d := range root.Docs {
		var found *token.Token
		ast.Walk(visitor(func(v ast.Node) bool {
			if mv, ok := v.(*ast.MappingValueNode); ok && mv.Value == n {
				found = mv.Key.GetToken()
				return false
			}
			return found == nil
		}), d)
		if found != nil {
			return found
		}
	}
	return tk
}

type visitor func(ast.Node) bool

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if v(n) {
		return v
	}
	return nil
}
