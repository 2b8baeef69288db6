// Package guard applies the worker's guardrail configuration to a
// destructive step's canonical targets: protected users (configured by ID
// or login, judged by Okta ID), members of protected groups, the Okta
// token's own user, protected groups (by ID or name) whose membership never
// changes, protected networks (loopback and private ranges by default) and
// protected zones. It is the implementation of the cordon.guard activity
// the interpreter calls before every destructive action, after the targets
// were canonicalised (see workflows/destructive.go).
package guard

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/signing"
)

// DefaultMaxTargets is the blast-radius limit of a step when neither the
// step, the playbook nor the worker configuration sets one.
const DefaultMaxTargets = 25

// RunTargetsFactor makes the run-wide limit's default from the per-step
// one: a run may act on four steps' worth of targets (100 by default)
// before it stops; a playbook that needs more says so
// (guardrails.max_run_targets, or a larger max_targets). The workflow
// applies the same factor to a playbook's own max_targets
// (workflows.RunTargetsFactor).
const RunTargetsFactor = 4

// defaultNetworks are protected unless the configuration turns them off:
// blocking loopback or private space would cut off the org's own egress.
var defaultNetworks = []string{"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "0.0.0.0/32"}

// Config is the guardrail file (--guardrails FILE or CORDON_GUARDRAILS).
type Config struct {
	// MaxTargets is the default per-step limit; 0 means DefaultMaxTargets.
	MaxTargets int `yaml:"max_targets"`
	// MaxRunTargets is the default run-wide limit (a run and its
	// children); 0 means RunTargetsFactor times the per-step default.
	MaxRunTargets int       `yaml:"max_run_targets"`
	Protected     Protected `yaml:"protected"`
	// Approvals says which approval decisions the worker accepts (signed
	// by cordon serve, with which keys); see internal/signing.
	Approvals signing.Policy `yaml:"approvals"`
	// Permissions says who may start which playbooks and who approves by
	// default (permissions.go).
	Permissions Permissions `yaml:"permissions"`
	// Dir is the file's directory, for relative key files.
	Dir string `yaml:"-"`
}

// Protected lists what Cordon never acts on.
type Protected struct {
	Users    []string `yaml:"users"`    // IDs or logins, resolved to IDs
	Groups   []string `yaml:"groups"`   // group IDs or names; their members and membership are protected
	Networks []string `yaml:"networks"` // IPv4/IPv6 CIDRs, addresses or ranges never blocked
	Zones    []string `yaml:"zones"`    // zone IDs never updated, written or deleted
	// DefaultNetworks protects loopback and private ranges; default true.
	DefaultNetworks *bool `yaml:"default_networks"`
}

// Load reads a guardrail file. Unknown keys are errors: a misspelled
// "protectd:" must not silently protect nothing.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("guardrails: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.DisallowUnknownField()); err != nil {
		return c, fmt.Errorf("guardrails %s: %s", path, yaml.FormatError(err, false, true))
	}
	if _, err := c.networks(); err != nil {
		return c, fmt.Errorf("guardrails %s: %w", path, err)
	}
	if err := c.Permissions.check(); err != nil {
		return c, fmt.Errorf("guardrails %s: %w", path, err)
	}
	c.Dir = filepath.Dir(path)
	if _, err := c.Approvals.Keyring(c.Dir); err != nil {
		return c, fmt.Errorf("guardrails %s: %w", path, err)
	}
	return c, nil
}

func (c Config) networks() ([]netip.Prefix, error) {
	list := slices.Clone(c.Protected.Networks)
	if c.Protected.DefaultNetworks == nil || *c.Protected.DefaultNetworks {
		list = append(list, defaultNetworks...)
	}
	var out []netip.Prefix
	for _, n := range list {
		e, err := action.ParseIPEntry(n)
		if err != nil {
			return nil, fmt.Errorf("protected network %q: %w", n, err)
		}
		out = append(out, e.Prefixes()...)
	}
	return out, nil
}

// Directory is the little of Okta the guard needs.
type Directory interface {
	// GroupMembers returns the IDs and logins of a group's members.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	// Me returns the ID and login of the API token's owner.
	Me(ctx context.Context) (id, login string, err error)
	// UserID returns the ID of the user with this ID or login; "" when
	// there is none.
	UserID(ctx context.Context, idOrLogin string) (string, error)
	// GroupID returns the ID of the group with this ID or exact name; ""
	// when there is none.
	GroupID(ctx context.Context, idOrName string) (string, error)
}

// Guard checks targets against a Config.
type Guard struct {
	cfg      Config
	networks []netip.Prefix
	dir      Directory
	ttl      time.Duration

	mu        sync.Mutex
	refreshed time.Time
	users     map[string]string // lower-cased ID or login -> reason
	groups    map[string]string // lower-cased group ID -> how the configuration named it
}

// New returns a guard. dir may be nil when no Okta org is configured; then
// only the static lists apply.
func New(cfg Config, dir Directory) (*Guard, error) {
	nets, err := cfg.networks()
	if err != nil {
		return nil, err
	}
	return &Guard{cfg: cfg, networks: nets, dir: dir, ttl: time.Minute}, nil
}

// Check is the cordon.guard activity. Targets and scopes arrive canonical
// (Okta IDs, canonical CIDRs); protected ones are listed with the reason,
// and a protected value in a scope (a group whose membership would change,
// a zone that would be written) refuses the whole step.
func (g *Guard) Check(ctx context.Context, req action.GuardRequest) (action.GuardResult, error) {
	res := action.GuardResult{Allowed: []string{}, DefaultMaxTargets: g.cfg.MaxTargets}
	if res.DefaultMaxTargets == 0 {
		res.DefaultMaxTargets = DefaultMaxTargets
	}
	if res.DefaultMaxRunTargets = g.cfg.MaxRunTargets; res.DefaultMaxRunTargets == 0 {
		res.DefaultMaxRunTargets = RunTargetsFactor * res.DefaultMaxTargets
	}
	users, groups, err := g.identities(ctx)
	if err != nil {
		return res, err
	}
	scopes := req.Scopes
	if req.Group != "" {
		scopes = append(scopes, action.Scope{Param: action.ParamGroupID, Kind: action.TargetGroups, Values: []string{req.Group}})
	}
	for _, sc := range scopes {
		for _, v := range sc.Values {
			if why := g.reason(sc.Kind, v, users, groups); why != "" {
				res.Refused = fmt.Sprintf("%s %s: %s", sc.Param, v, why)
				break
			}
		}
		if res.Refused != "" {
			break
		}
	}
	for _, t := range req.Targets {
		if why := g.reason(req.Kind, t, users, groups); why != "" {
			res.Protected = append(res.Protected, action.ProtectedEntry{Target: t, Reason: why})
			continue
		}
		res.Allowed = append(res.Allowed, t)
	}
	return res, nil
}

// reason says why a canonical value of the given kind is protected, or "".
func (g *Guard) reason(kind action.TargetKind, v string, users, groups map[string]string) string {
	switch kind {
	case action.TargetUsers, action.TargetNew:
		return users[strings.ToLower(strings.TrimSpace(v))]
	case action.TargetGroups:
		// IDs compare without case, like logins: an ID spelled in another
		// case must not pass as a different group.
		if name, ok := groups[strings.ToLower(strings.TrimSpace(v))]; ok {
			return "protected group " + name + ": its membership is never changed by automation"
		}
	case action.TargetIPs:
		return g.networkReason(v)
	case action.TargetZones:
		for _, z := range g.cfg.Protected.Zones {
			if strings.EqualFold(strings.TrimSpace(z), strings.TrimSpace(v)) {
				return "protected zone"
			}
		}
	}
	return ""
}

// identities resolves the protected users and groups to Okta IDs,
// refreshing group memberships and the token owner at most once a minute.
// Configured logins and group names are resolved too, so a user protected
// by login is protected by ID, and the other way round.
func (g *Guard) identities(ctx context.Context) (users, groups map[string]string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.users != nil && time.Since(g.refreshed) < g.ttl {
		return g.users, g.groups, nil
	}
	users, groups = map[string]string{}, map[string]string{}
	for _, u := range g.cfg.Protected.Users {
		u = strings.TrimSpace(u)
		users[strings.ToLower(u)] = "protected user"
		if g.dir == nil {
			continue
		}
		id, err := g.dir.UserID(ctx, u)
		if err != nil {
			return nil, nil, fmt.Errorf("resolving protected user %s: %w", u, err)
		}
		if id != "" {
			users[strings.ToLower(id)] = "protected user"
		}
	}
	for _, name := range g.cfg.Protected.Groups {
		name = strings.TrimSpace(name)
		gid := name
		if g.dir != nil {
			if gid, err = g.dir.GroupID(ctx, name); err != nil {
				return nil, nil, fmt.Errorf("resolving protected group %s: %w", name, err)
			}
			if gid == "" {
				return nil, nil, &action.ConfigError{Msg: fmt.Sprintf("protected group %q does not exist in the Okta org: fix the guardrails file", name)}
			}
		}
		groups[strings.ToLower(gid)] = describe(name, gid)
		if g.dir == nil {
			continue
		}
		members, err := g.dir.GroupMembers(ctx, gid)
		if err != nil {
			return nil, nil, fmt.Errorf("expanding protected group %s: %w", name, err)
		}
		for _, m := range members {
			users[strings.ToLower(m)] = "member of protected group " + describe(name, gid)
		}
	}
	if g.dir != nil {
		id, login, err := g.dir.Me(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("looking up the API token's owner: %w", err)
		}
		for _, k := range []string{id, login} {
			if k != "" {
				users[strings.ToLower(k)] = "owner of Cordon's Okta API token"
			}
		}
	}
	g.users, g.groups, g.refreshed = users, groups, time.Now()
	return users, groups, nil
}

func describe(name, id string) string {
	if name == id {
		return id
	}
	return name + " (" + id + ")"
}

func (g *Guard) networkReason(target string) string {
	e, err := action.ParseIPEntry(target)
	if err != nil {
		return "" // the action itself reports malformed entries
	}
	for _, p := range g.networks {
		if e.Overlaps(action.IPEntry{Lo: p.Addr(), Hi: action.LastAddr(p), Bits: p.Bits()}) {
			return "inside protected network " + p.String()
		}
	}
	return ""
}
