package action

import (
	"fmt"
	"maps"
	"slices"
)

// Least privilege. Each action declares every Okta Management API
// operation it may call (Ops) and the OAuth scopes those operations need
// (Scopes); scopes_test.go checks both against Okta's OpenAPI spec
// (shared/okta/openapi-management.yaml): every path exists, and Scopes is
// exactly the union of the operations' scopes.
//
// The operations are all the calls one step of the action can make on its
// connection, not only the write: the lookups that resolve a login or a
// group name (cordon.resolve), the guardrails' directory (the token's
// owner, protected users and the members of protected groups: package
// guard), read-modify-write of a zone, the read-back of a write whose reply
// was lost (effects.go in package activities) and the System Log reads
// that attribute a change found in place (attribution.go).
//
// Choosing a scope: an operation's `security` lists alternatives (the API
// token, or an OAuth requirement). Among OAuth requirements the least
// privileged one is taken: the one with the fewest `.manage` scopes, then
// the fewest scopes. All scopes of the chosen requirement are needed
// (OpenAPI: the scopes of one requirement are all required). A `.read`
// scope is listed even when its `.manage` scope is too, so that the list
// says exactly what each call needs.

// Op is one Management API operation: method and the spec's path template.
type Op struct {
	Method string
	Path   string
}

func (o Op) String() string { return o.Method + " " + o.Path }

// Okta's OAuth scopes the actions use.
const (
	ScopeUsersRead    = "okta.users.read"
	ScopeUsersManage  = "okta.users.manage"
	ScopeGroupsRead   = "okta.groups.read"
	ScopeGroupsManage = "okta.groups.manage"
	ScopeZonesRead    = "okta.networkZones.read"
	ScopeZonesManage  = "okta.networkZones.manage"
	ScopeLogsRead     = "okta.logs.read"
)

var (
	opListUsers       = Op{"GET", "/api/v1/users"}
	opCreateUser      = Op{"POST", "/api/v1/users"}
	opGetUser         = Op{"GET", "/api/v1/users/{id}"} // also users/me
	opUpdateUser      = Op{"POST", "/api/v1/users/{id}"}
	opUserGroups      = Op{"GET", "/api/v1/users/{id}/groups"}
	opUserAppLinks    = Op{"GET", "/api/v1/users/{id}/appLinks"}
	opUserSessions    = Op{"DELETE", "/api/v1/users/{userId}/sessions"}
	opListFactors     = Op{"GET", "/api/v1/users/{userId}/factors"}
	opDeleteFactor    = Op{"DELETE", "/api/v1/users/{userId}/factors/{factorId}"}
	opListGroups      = Op{"GET", "/api/v1/groups"}
	opGetGroup        = Op{"GET", "/api/v1/groups/{groupId}"}
	opGroupMembers    = Op{"GET", "/api/v1/groups/{groupId}/users"}
	opAddMember       = Op{"PUT", "/api/v1/groups/{groupId}/users/{userId}"}
	opRemoveMember    = Op{"DELETE", "/api/v1/groups/{groupId}/users/{userId}"}
	opListZones       = Op{"GET", "/api/v1/zones"}
	opCreateZone      = Op{"POST", "/api/v1/zones"}
	opGetZone         = Op{"GET", "/api/v1/zones/{zoneId}"}
	opReplaceZone     = Op{"PUT", "/api/v1/zones/{zoneId}"}
	opDeleteZone      = Op{"DELETE", "/api/v1/zones/{zoneId}"}
	opDeactivateZone  = Op{"POST", "/api/v1/zones/{zoneId}/lifecycle/deactivate"}
	opListLogs        = Op{"GET", "/api/v1/logs"}
	opExpirePassword  = Op{"POST", "/api/v1/users/{id}/lifecycle/expire_password"}
	opExpireWithTemp  = Op{"POST", "/api/v1/users/{id}/lifecycle/expire_password_with_temp_password"}
	opResetAllFactors = Op{"POST", "/api/v1/users/{id}/lifecycle/reset_factors"}
)

func opLifecycle(op string) Op { return Op{"POST", "/api/v1/users/{id}/lifecycle/" + op} }

// guardOps are the guardrails' directory reads every destructive step may
// make (package guard): the token's owner and protected users by
// GET /users/{id}, protected groups by ID or name, and their members.
var guardOps = []Op{opGetUser, opGetGroup, opListGroups, opGroupMembers}

// bulkOps are the reads of a list action over users or zones (runBulk):
// the System Log for attribution and the connection's identity (users/me).
var bulkOps = []Op{opListLogs, opGetUser}

// zoneResolveOps resolve a zone given by name (cordon.resolve).
var zoneResolveOps = []Op{opListZones}

func ops(sets ...[]Op) []Op {
	var out []Op
	for _, s := range sets {
		for _, o := range s {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// userWrite is the scope set of a bulk write to users.
var userWrite = []string{ScopeUsersManage, ScopeUsersRead, ScopeGroupsRead, ScopeLogsRead}

// apiCalls declares, per action, the operations one step may call and the
// scopes they need.
var apiCalls = map[string]struct {
	ops    []Op
	scopes []string
}{
	ActivateUsers:        {ops(guardOps, bulkOps, []Op{opLifecycle("activate")}), userWrite},
	DeactivateUsers:      {ops(guardOps, bulkOps, []Op{opLifecycle("deactivate")}), userWrite},
	ResetUserPasswords:   {ops(guardOps, bulkOps, []Op{opLifecycle("reset_password")}), userWrite},
	SuspendUsers:         {ops(guardOps, bulkOps, []Op{opLifecycle("suspend")}), userWrite},
	UnsuspendUsers:       {ops(guardOps, bulkOps, []Op{opLifecycle("unsuspend")}), userWrite},
	UnlockUsers:          {ops(guardOps, bulkOps, []Op{opLifecycle("unlock")}), userWrite},
	ExpirePasswords:      {ops(guardOps, bulkOps, []Op{opExpirePassword, opExpireWithTemp}), userWrite},
	ClearUserSessions:    {ops(guardOps, bulkOps, []Op{opUserSessions}), userWrite},
	ResetFactors:         {ops(guardOps, bulkOps, []Op{opListFactors, opResetAllFactors, opDeleteFactor}), userWrite},
	UpdateUserProfile:    {ops(guardOps, bulkOps, []Op{opUpdateUser}), userWrite},
	AddUsersToGroup:      {ops(guardOps, bulkOps, []Op{opUserGroups, opAddMember}), []string{ScopeGroupsManage, ScopeGroupsRead, ScopeUsersRead, ScopeLogsRead}},
	RemoveUsersFromGroup: {ops(guardOps, bulkOps, []Op{opUserGroups, opRemoveMember}), []string{ScopeGroupsManage, ScopeGroupsRead, ScopeUsersRead, ScopeLogsRead}},
	CreateUserInGroup:    {ops(guardOps, []Op{opCreateUser, opAddMember}), []string{ScopeUsersManage, ScopeUsersRead, ScopeGroupsManage, ScopeGroupsRead}},
	BlockIPs:             {ops(guardOps, zoneResolveOps, []Op{opGetZone, opReplaceZone}), []string{ScopeZonesManage, ScopeZonesRead, ScopeUsersRead, ScopeGroupsRead}},
	UnblockIPs:           {ops(guardOps, zoneResolveOps, []Op{opGetZone, opReplaceZone}), []string{ScopeZonesManage, ScopeZonesRead, ScopeUsersRead, ScopeGroupsRead}},
	UpdateZone:           {ops(guardOps, zoneResolveOps, []Op{opGetZone, opReplaceZone}), []string{ScopeZonesManage, ScopeZonesRead, ScopeUsersRead, ScopeGroupsRead}},
	CreateZone:           {ops(guardOps, zoneResolveOps, []Op{opCreateZone}), []string{ScopeZonesManage, ScopeZonesRead, ScopeUsersRead, ScopeGroupsRead}},
	DeleteZones:          {ops(guardOps, bulkOps, zoneResolveOps, []Op{opGetZone, opDeactivateZone, opDeleteZone}), []string{ScopeZonesManage, ScopeZonesRead, ScopeUsersRead, ScopeGroupsRead, ScopeLogsRead}},
	FetchEvent:           {[]Op{opListLogs}, []string{ScopeLogsRead}},
	GetLogs:              {[]Op{opListLogs}, []string{ScopeLogsRead}},
	GetGroups:            {[]Op{opListGroups}, []string{ScopeGroupsRead}},
	GetGroup:             {[]Op{opGetGroup, opListGroups}, []string{ScopeGroupsRead}},
	GetGroupMembers:      {[]Op{opGroupMembers}, []string{ScopeGroupsRead}},
	GetUserGroups:        {[]Op{opUserGroups}, []string{ScopeUsersRead}},
	GetUsers:             {[]Op{opListUsers}, []string{ScopeUsersRead}},
	GetUser:              {[]Op{opGetUser}, []string{ScopeUsersRead}},
	ListUserApps:         {[]Op{opUserAppLinks}, []string{ScopeUsersRead}},
	ListUserFactors:      {[]Op{opListFactors}, []string{ScopeUsersRead}},
	ListZones:            {[]Op{opListZones}, []string{ScopeZonesRead}},
	TestConnection:       {[]Op{opGetUser, opListUsers}, []string{ScopeUsersRead}},
}

// setAPICalls fills an action's Ops and Scopes from apiCalls.
func setAPICalls(a *Action) {
	c, ok := apiCalls[a.Name]
	if !ok {
		return
	}
	if a.Ops == nil {
		a.Ops = c.ops
	}
	if a.Scopes == nil {
		a.Scopes = slices.Sorted(slices.Values(c.scopes))
	}
}

// checkScopes refuses an Okta action that declares no calls or scopes:
// a connection could not tell what to request for it.
func (a *Action) checkScopes() error {
	if len(a.Ops) == 0 || len(a.Scopes) == 0 {
		return fmt.Errorf("action %s declares no Okta operations or OAuth scopes (scopes.go)", a.Name)
	}
	return nil
}

// ScopesFor returns the union of the OAuth scopes of the named actions,
// sorted. Names not in the registry are skipped: validation reports them.
func (r *Registry) ScopesFor(names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		if a, ok := r.byName[n]; ok {
			for _, s := range a.Scopes {
				set[s] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// MissingScopes returns the scopes action name needs that granted lacks,
// in order; nil when it has them all or the action is unknown.
func (r *Registry) MissingScopes(name string, granted []string) []string {
	a, ok := r.byName[name]
	if !ok {
		return nil
	}
	var missing []string
	for _, s := range a.Scopes {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	return missing
}
