// Package guard applies the worker's guardrail configuration to a
// destructive step's targets: protected users (by id or login), members of
// protected groups, the Okta token's own user, protected networks (loopback
// and private ranges by default) and protected zones. It is the
// implementation of the cordon.guard activity the interpreter calls before
// every destructive action.
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

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/signing"
)

// DefaultMaxTargets is the blast-radius limit of a step when neither the
// step, the playbook nor the worker configuration sets one.
const DefaultMaxTargets = 25

// defaultNetworks are protected unless the configuration turns them off:
// blocking loopback or private space would cut off the org's own egress.
var defaultNetworks = []string{"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "0.0.0.0/32"}

// Config is the guardrail file (--guardrails FILE or CORDON_GUARDRAILS).
type Config struct {
	// MaxTargets is the default per-step limit; 0 means DefaultMaxTargets.
	MaxTargets int       `yaml:"max_targets"`
	Protected  Protected `yaml:"protected"`
	// Approvals says which approval decisions the worker accepts (signed
	// by cordon serve, with which keys); see internal/signing.
	Approvals signing.Policy `yaml:"approvals"`
	// Dir is the file's directory, for relative key files.
	Dir string `yaml:"-"`
}

// Protected lists what Cordon never acts on.
type Protected struct {
	Users    []string `yaml:"users"`    // ids or logins
	Groups   []string `yaml:"groups"`   // group ids; their members are protected
	Networks []string `yaml:"networks"` // CIDRs, addresses or ranges never blocked
	Zones    []string `yaml:"zones"`    // zone ids never updated or deleted
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
		r, err := parseEntry(n)
		if err != nil {
			return nil, fmt.Errorf("protected network %q: %w", n, err)
		}
		out = append(out, r.prefixes()...)
	}
	return out, nil
}

// Directory is the little of Okta the guard needs.
type Directory interface {
	// GroupMembers returns the ids and logins of a group's members.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	// Me returns the id and login of the API token's owner.
	Me(ctx context.Context) (id, login string, err error)
}

// Guard checks targets against a Config.
type Guard struct {
	cfg      Config
	networks []netip.Prefix
	dir      Directory
	ttl      time.Duration

	mu        sync.Mutex
	users     map[string]string // lower-cased id or login -> reason
	refreshed time.Time
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

// Check is the cordon.guard activity.
func (g *Guard) Check(ctx context.Context, req spec.GuardRequest) (spec.GuardResult, error) {
	res := spec.GuardResult{Allowed: []string{}, DefaultMaxTargets: g.cfg.MaxTargets}
	if res.DefaultMaxTargets == 0 {
		res.DefaultMaxTargets = DefaultMaxTargets
	}
	if req.Group != "" && slices.Contains(g.cfg.Protected.Groups, req.Group) {
		res.GroupProtected = "group " + req.Group + " is protected: its members are never changed by automation"
	}
	var reasonOf func(string) string
	switch req.Kind {
	case spec.TargetUsers:
		users, err := g.protectedUsers(ctx)
		if err != nil {
			return res, err
		}
		reasonOf = func(t string) string { return users[strings.ToLower(t)] }
	case spec.TargetIPs:
		reasonOf = g.networkReason
	case spec.TargetZones:
		reasonOf = func(t string) string {
			if slices.Contains(g.cfg.Protected.Zones, t) {
				return "protected zone"
			}
			return ""
		}
	default:
		reasonOf = func(string) string { return "" }
	}
	for _, t := range req.Targets {
		if why := reasonOf(t); why != "" {
			res.Protected = append(res.Protected, spec.ProtectedEntry{Target: t, Reason: why})
			continue
		}
		res.Allowed = append(res.Allowed, t)
	}
	return res, nil
}

// protectedUsers resolves the protected user set, refreshing group
// memberships and the token owner at most once a minute.
func (g *Guard) protectedUsers(ctx context.Context) (map[string]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.users != nil && time.Since(g.refreshed) < g.ttl {
		return g.users, nil
	}
	users := map[string]string{}
	for _, u := range g.cfg.Protected.Users {
		users[strings.ToLower(u)] = "protected user"
	}
	if g.dir != nil {
		for _, gid := range g.cfg.Protected.Groups {
			members, err := g.dir.GroupMembers(ctx, gid)
			if err != nil {
				return nil, fmt.Errorf("expanding protected group %s: %w", gid, err)
			}
			for _, m := range members {
				users[strings.ToLower(m)] = "member of protected group " + gid
			}
		}
		id, login, err := g.dir.Me(ctx)
		if err != nil {
			return nil, fmt.Errorf("looking up the API token's owner: %w", err)
		}
		for _, k := range []string{id, login} {
			if k != "" {
				users[strings.ToLower(k)] = "owner of Cordon's Okta API token"
			}
		}
	}
	g.users, g.refreshed = users, time.Now()
	return users, nil
}

func (g *Guard) networkReason(target string) string {
	r, err := parseEntry(target)
	if err != nil {
		return "" // the action itself reports malformed entries
	}
	for _, p := range g.networks {
		if r.overlaps(p) {
			return "inside protected network " + p.String()
		}
	}
	return ""
}
