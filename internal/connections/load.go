package connections

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/cordonsec/cordon/activities/okta"
)

// Error is one problem in a connections file, at a 1-based line and
// column, printed like a playbook error: "file:line:col: message".
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
}

// ErrorList is every problem of a load, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// fileYAML is the file's top level: one key, connections.
type fileYAML struct {
	Connections []Connection `yaml:"connections"`
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Load reads a connections file strictly: unknown keys, duplicate keys,
// wrong types and every invalid value are errors with the file's line and
// column (an ErrorList). Relative paths in it are made relative to the
// file's directory. It reads no secret: token and key files are read when
// a connection is used (OktaConfig).
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("connections file: %w", err)
	}
	l := &loader{path: path}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		l.yamlError(err)
		return nil, l.errs
	}
	l.tree = tree
	// goccy reports a bad duration without its position: check them first.
	if l.checkDurations(); len(l.errs) > 0 {
		return nil, l.errs
	}
	var raw fileYAML
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.Strict()); err != nil {
		l.yamlError(err)
		return nil, l.errs
	}
	f := &File{Path: path, Connections: raw.Connections}
	if len(f.Connections) == 0 {
		l.add("$", "no connections: the file needs a list under connections:")
	}
	seen := map[string]int{}
	for i := range f.Connections {
		c := &f.Connections[i]
		at := func(key string) string { return fmt.Sprintf("$.connections[%d]%s", i, key) }
		l.check(c, at)
		if j, dup := seen[c.Name]; dup && c.Name != "" {
			l.add(at(".name"), "connection %q is also defined as connection %d: names must be unique", c.Name, j+1)
		}
		seen[c.Name] = i
		c.resolvePaths(filepath.Dir(path))
	}
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return f, nil
}

type loader struct {
	path string
	tree *ast.File
	errs ErrorList
}

// add records a problem at the node yamlPath names (the closest existing
// ancestor when the key is absent).
func (l *loader) add(yamlPath, format string, args ...any) {
	line, col := l.pos(yamlPath)
	l.errs = append(l.errs, &Error{File: l.path, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) pos(yamlPath string) (int, int) {
	for p := yamlPath; p != ""; p = parent(p) {
		if l.tree == nil {
			break
		}
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		n, err := yp.FilterFile(l.tree)
		if err != nil || n == nil || n.GetToken() == nil {
			continue
		}
		// A mapping is shown at its first key, where a reader looks.
		if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
			n = m.Values[0].Key
		}
		pos := n.GetToken().Position
		return pos.Line, pos.Column
	}
	return 1, 1
}

// parent drops the last ".key" or "[i]" of a YAML path; "" after "$".
func parent(p string) string {
	if p == "$" {
		return ""
	}
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return "$"
	}
	return p[:i]
}

// yamlError records a goccy error at its token: a syntax error, an
// unknown key (Strict), a duplicate key or a wrong type.
func (l *loader) yamlError(err error) {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &te) && te.GetToken() != nil {
		pos := te.GetToken().Position
		l.errs = append(l.errs, &Error{File: l.path, Line: pos.Line, Col: pos.Column, Message: te.GetMessage()})
		return
	}
	l.errs = append(l.errs, &Error{File: l.path, Line: 1, Col: 1, Message: err.Error()})
}

// checkDurations reports each health_interval that is not a duration.
func (l *loader) checkDurations() {
	yp, err := yaml.PathString("$.connections")
	if err != nil {
		return
	}
	n, err := yp.FilterFile(l.tree)
	seq, ok := n.(*ast.SequenceNode)
	if err != nil || !ok {
		return
	}
	for i := range seq.Values {
		at := fmt.Sprintf("$.connections[%d].health_interval", i)
		p, _ := yaml.PathString(at)
		v, err := p.FilterFile(l.tree)
		if err != nil || v == nil {
			continue
		}
		if s, ok := v.(*ast.StringNode); ok {
			if _, err := time.ParseDuration(s.Value); err != nil {
				l.add(at, "health_interval %q: want a duration such as 5m or 1h", s.Value)
			}
		}
	}
}

// check validates one connection's values.
func (l *loader) check(c *Connection, at func(string) string) {
	switch {
	case c.Name == "":
		l.add(at(""), "connection without a name")
	case !ValidName(c.Name):
		l.add(at(".name"), "connection name %q: want lower-case letters, digits and dashes, starting with a letter, at most 40 characters", c.Name)
	}
	if c.OrgURL == "" {
		l.add(at(""), "connection %q has no org_url", c.Name)
	} else if err := (okta.Config{OrgURL: c.OrgURL, Token: "-", APIVersion: c.APIVersion}).Validate(); err != nil {
		l.add(at(".org_url"), "connection %q: %s", c.Name, strings.TrimPrefix(err.Error(), "okta: "))
	}
	if c.RateShare < 0 || c.RateShare > 1 || c.RateShare != c.RateShare {
		l.add(at(".rate_share"), "connection %q: rate_share %g: want a share of the org's rate limits above 0 and at most 1", c.Name, c.RateShare)
	}
	if c.HealthInterval < 0 {
		l.add(at(".health_interval"), "connection %q: health_interval %s: want a positive duration such as 5m", c.Name, c.HealthInterval)
	}
	for i, s := range c.Scopes {
		if !strings.HasPrefix(s, "okta.") || strings.ContainsAny(s, " \t") {
			l.add(at(fmt.Sprintf(".scopes[%d]", i)), "connection %q: scope %q is not an Okta scope such as okta.users.read", c.Name, s)
		} else if slices.Index(c.Scopes, s) < i {
			l.add(at(fmt.Sprintf(".scopes[%d]", i)), "connection %q: scope %q is listed twice", c.Name, s)
		}
	}
	l.checkAuth(c, func(key string) string { return at(".auth" + key) })
}

// checkAuth validates the auth block: the fields of one type only.
func (l *loader) checkAuth(c *Connection, at func(string) string) {
	a := c.Auth
	set := func(v string) bool { return v != "" }
	switch a.Type {
	case AuthSSWS:
		if set(a.TokenFile) == set(a.TokenEnv) {
			l.add(at(""), "connection %q: auth type ssws needs exactly one of token_file and token_env", c.Name)
		}
		if a.TokenEnv != "" && !envNameRE.MatchString(a.TokenEnv) {
			l.add(at(".token_env"), "connection %q: token_env %q is not an environment variable name", c.Name, a.TokenEnv)
		}
		for _, f := range []struct {
			key string
			set bool
		}{{"client_id", set(a.ClientID)}, {"key_id", set(a.KeyID)}, {"private_key_file", set(a.PrivateKeyFile)}, {"dpop", a.DPoP}, {"dpop_key_file", set(a.DPoPKeyFile)}} {
			if f.set {
				l.add(at("."+f.key), "connection %q: %s is for auth type oauth, not ssws", c.Name, f.key)
			}
		}
	case AuthOAuth:
		for _, f := range []struct{ key, v string }{{"client_id", a.ClientID}, {"key_id", a.KeyID}, {"private_key_file", a.PrivateKeyFile}} {
			if f.v == "" {
				l.add(at(""), "connection %q: auth type oauth needs %s", c.Name, f.key)
			}
		}
		for _, f := range []struct{ key, v string }{{"token_file", a.TokenFile}, {"token_env", a.TokenEnv}} {
			if f.v != "" {
				l.add(at("."+f.key), "connection %q: %s is for auth type ssws, not oauth", c.Name, f.key)
			}
		}
		if a.DPoPKeyFile != "" && !a.DPoP {
			l.add(at(".dpop_key_file"), "connection %q: dpop_key_file needs dpop: true", c.Name)
		}
	case "":
		l.add(at(""), "connection %q: auth needs a type: ssws or oauth", c.Name)
	default:
		l.add(at(".type"), "connection %q: auth type %q: want ssws or oauth", c.Name, a.Type)
	}
}

// resolvePaths makes the connection's relative paths relative to dir.
func (c *Connection) resolvePaths(dir string) {
	for _, p := range []*string{&c.Guardrails, &c.Auth.TokenFile, &c.Auth.PrivateKeyFile, &c.Auth.DPoPKeyFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}
