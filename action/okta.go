package action

import (
	"strings"
	"time"
)

// Parameter names shared by several actions. Code refers to these constants,
// never to retyped strings.
const (
	ParamUserIDs            = "user_ids"
	ParamUser               = "user"
	ParamGroupID            = "group_id"
	ParamGroupIDs           = "group_ids"
	ParamZoneID             = "zone_id"
	ParamZoneIDs            = "zone_ids"
	ParamIPAddresses        = "ip_addresses"
	ParamSendEmail          = "send_email"
	ParamConvertToFederated = "convert_to_federated"
	ParamFirstName          = "first_name"
	ParamLastName           = "last_name"
	ParamEmail              = "email"
	ParamPhoneNumber        = "phone_number"
	ParamName               = "name"
	ParamType               = "type"
	ParamUsage              = "usage"
	ParamGateways           = "gateways"
	ParamProxies            = "proxies"
	ParamProxyType          = "proxy_type"
	ParamLocations          = "locations"
	ParamASNs               = "asns"
	ParamOverwrite          = "overwrite"
	ParamFilter             = "filter"
	ParamLimit              = "limit"
	ParamAfter              = "after"
	ParamStartTime          = "start_time"
	ParamEndTime            = "end_time"
	ParamMaxEvents          = "max_events"
	ParamSearchCondition    = "search_condition"
	ParamSearch             = "search"
	ParamQ                  = "q"
	ParamFields             = "fields"
)

// Action names.
const (
	ActivateUsers      = "okta.activate_users"
	AddUsersToGroup    = "okta.add_users_to_group"
	BlockIPs           = "okta.block_ips"
	CreateUserInGroup  = "okta.create_user_in_group"
	CreateZone         = "okta.create_zone"
	DeactivateUsers    = "okta.deactivate_users"
	DeleteZones        = "okta.delete_zones"
	FetchEvent         = "okta.fetch_event"
	GetGroups          = "okta.get_groups"
	GetLogs            = "okta.get_logs"
	GetUserGroups      = "okta.get_user_groups"
	GetUsers           = "okta.get_users"
	GetGroupMembers    = "okta.get_group_members"
	ListZones          = "okta.list_zones"
	ResetUserPasswords = "okta.reset_user_passwords"
	UpdateZone         = "okta.update_zone"
	TestConnection     = "okta.test_connection"

	// UnblockIPs and RemoveUsersFromGroup are not among the integration
	// spec's 17 commands; they reverse block_ips and add_users_to_group
	// for undo_after and are first-class actions like any other.
	UnblockIPs           = "okta.unblock_ips"
	RemoveUsersFromGroup = "okta.remove_users_from_group"
)

// Okta admin roles, as the integration spec's permission table names them.
const (
	RoleSuperAdmin      = "Super Admin"
	RoleOrgAdmin        = "Organization Admin"
	RoleGroupAdmin      = "Group Admin"
	RoleGroupMembership = "Group Membership Administrator"
	RoleReadOnly        = "Read-only Admin"
)

// Outcome values of a per-item result of a bulk action.
const (
	OutcomeDone                 = "done"
	OutcomeAlreadyDeprovisioned = "already_deprovisioned"
	OutcomeAlreadyMember        = "already_member"
	OutcomeAlreadyBlocked       = "already_blocked"
	OutcomeAlreadyActive        = "already_active"
	OutcomeAlreadyDeleted       = "already_deleted"
	OutcomeNotBlocked           = "not_blocked"
	OutcomeNotMember            = "not_member"
	OutcomeProtected            = "protected"
	// OutcomeNotFound: the target names no Okta user, group or zone;
	// nothing was sent to Okta for it.
	OutcomeNotFound = "not_found"
	OutcomePlanned  = "planned"
	OutcomeFailed   = "failed"
)

// Status values of a bulk action's result.
const (
	StatusSuccessful          = "successful"
	StatusPartiallySuccessful = "partially_successful"
	StatusFailed              = "failed"
)

var (
	readRetry = Retry{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 6}
	// Writes are idempotent (see package activities), so retrying them is safe;
	// a few more attempts ride out a 429 storm whose waits come from
	// X-Rate-Limit-Reset rather than from this policy.
	writeRetry = Retry{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 8}
)

const (
	readTimeout = 2 * time.Minute
	bulkTimeout = 10 * time.Minute
	bulkBeat    = 30 * time.Second
)

var (
	rolesUserWrite  = []string{RoleGroupAdmin, RoleOrgAdmin, RoleSuperAdmin}
	rolesGroupRead  = []string{RoleGroupAdmin, RoleGroupMembership, RoleReadOnly, RoleOrgAdmin, RoleSuperAdmin}
	rolesMembership = []string{RoleGroupAdmin, RoleGroupMembership, RoleOrgAdmin, RoleSuperAdmin}
	rolesZoneAdmin  = []string{RoleOrgAdmin, RoleSuperAdmin}
	rolesZoneRead   = []string{RoleReadOnly, RoleOrgAdmin, RoleSuperAdmin}
)

// MaxBlocklistEntries is Okta's limit of gateway entries in an IP
// blocklist zone: the parameters' MaxItems and the activities' check of
// the zone after a write.
const MaxBlocklistEntries = 1000

const bulkOutput = "{status: successful | partially_successful | failed, results: [{id, ok, outcome, okta_code, http_status, message, by}], succeeded: [ids], failed: [ids]}"

func userIDs(verb string) Param {
	return Param{Name: ParamUserIDs, Type: TypeStringList, Required: true,
		Description: "The users to " + verb + ": IDs, logins, short logins or me (a list, or a comma/newline separated string); each is resolved to its Okta ID before the guardrails check it. Get Users returns IDs at $[*].id.",
		Example:     []any{"00u1a2b3c4d5e6f7g8h9"}}
}

func limitParam(def int) Param {
	return Param{Name: ParamLimit, Type: TypeInteger, Default: def, Min: atLeast(1),
		RangeHint:   "is not a limit: want at least 1 (a read never pages through everything by accident)",
		Description: "The maximum number of results to return; pages are followed until it is reached.", Example: def}
}

func fieldsParam() Param {
	return Param{Name: ParamFields, Type: TypeStringList,
		Description: "Keep only these fields of each user, as dotted paths (id, status, profile.login, profile.department, ...); the output keeps their nesting, so $[*].profile.login still works. Default: every field.",
		Example:     []any{"id", "status", "profile.login"}}
}

var ipListExample = []any{"203.0.113.7", "198.51.100.0/24", "192.0.2.10-192.0.2.20"}

func zoneShapeParams() []Param {
	return []Param{
		{Name: ParamGateways, Type: TypeStringList, Description: "IP zone gateway addresses: IPv4 addresses, CIDRs or ranges (a-b). Required for an IP BLOCKLIST zone unless proxies are given. Ignored for DYNAMIC zones.", Example: ipListExample, MaxItems: MaxBlocklistEntries, Format: FormatIPv4Entry},
		{Name: ParamProxies, Type: TypeStringList, Description: "IP zone proxy addresses: IPv4 addresses, CIDRs or ranges. Ignored for DYNAMIC zones.", Example: []any{"198.51.100.1"}, MaxItems: 150, Format: FormatIPv4Entry},
		{Name: ParamProxyType, Type: TypeString, Enum: []string{"None", "Any", "TorAnonymizer", "NotTorAnonymizer"}, Description: "Proxy type of a DYNAMIC zone. Ignored for IP zones.", Example: "Any"},
		{Name: ParamLocations, Type: TypeObjectList, Description: `Locations of a DYNAMIC zone: objects {country, region} with ISO-3166-1 country and optional ISO-3166-2 region. Ignored for IP zones.`, Example: []any{map[string]any{"country": "AX"}, map[string]any{"country": "AF", "region": "AF-BGL"}}, MaxItems: 75, Items: checkZoneLocation},
		{Name: ParamASNs, Type: TypeIntList, Description: "ASNs of a DYNAMIC zone. Ignored for IP zones.", Example: []any{13335, 15169}, MaxItems: 75, Min: atLeast(1), RangeHint: "is not an ASN"},
	}
}

// Okta returns a registry holding every Okta action. The wiring code calls
// it once; there is no package-level registry to mutate.
func Okta() *Registry {
	r := NewRegistry()
	for _, a := range append(oktaActions(), identityActions()...) {
		if a.ReadBack == nil {
			a.ReadBack = readBacks[a.Name] // readback.go
		}
		setOutputShape(a)
		setAPICalls(a) // scopes.go
		if err := a.checkScopes(); err != nil {
			panic("spec: " + err.Error())
		}
		r.Register(a)
	}
	return r
}

func oktaActions() []*Action {
	return []*Action{
		bulkUserWrite(&Action{
			Name: ActivateUsers, Title: "Activate Users",
			Description: "Activates users with a STAGED or DEPROVISIONED status. An ACTIVE user is reported as already_active, not as a failure.",
			Method:      "POST /api/v1/users/{id}/lifecycle/activate",
			PlanWords:   "activate {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/activate",
			Params: []Param{userIDs("activate"),
				{Name: ParamSendEmail, Type: TypeBoolean, Default: true, Description: "Send the activation email. When false, the activation URL is returned in each result.", Example: false}},
			Undo:    DeactivateUsers,
			Example: map[string]any{ParamUserIDs: []any{"00u1a2b3c4d5e6f7g8h9"}, ParamSendEmail: false},
		}),
		bulkUserWrite(&Action{
			Name: AddUsersToGroup, Title: "Add Users To Group",
			Description: "Adds users to an OKTA_GROUP. A user already in the group is reported as already_member. Built-in and app groups cannot be changed.",
			Method:      "PUT /api/v1/groups/{groupId}/users/{userId}",
			PlanWords:   "add {n} users to group {group_id}", PlanCall: "PUT /api/v1/groups/{group_id}/users/{target}",
			UndoKeep: []string{ParamGroupID},
			Params: []Param{userIDs("add to the group"),
				{Name: ParamGroupID, Type: TypeString, Required: true, Description: "The ID of an OKTA_GROUP group (or its exact name, resolved to the ID before the guardrails check it). Get Groups returns it at $[*].id.", Example: "00g1a2b3c4d5e6f7g8h9"}},
			Guards: []Guarded{{Param: ParamGroupID, Kind: TargetGroups}},
			Undo:   RemoveUsersFromGroup, Roles: rolesMembership,
			Example: map[string]any{ParamUserIDs: []any{"00u1a2b3c4d5e6f7g8h9"}, ParamGroupID: "00g1a2b3c4d5e6f7g8h9"},
		}),
		bulkUserWrite(&Action{
			Name: RemoveUsersFromGroup, Title: "Remove Users From Group",
			Description: "Removes users from an OKTA_GROUP, for example to take a compromised account out of a privileged group; it is also the reverse of Add Users To Group for undo_after, and undo_after on it adds the users back. A user not in the group is reported as not_member. Built-in and app groups cannot be changed.",
			Method:      "DELETE /api/v1/groups/{groupId}/users/{userId}",
			PlanWords:   "remove {n} users from group {group_id}", PlanCall: "DELETE /api/v1/groups/{group_id}/users/{target}",
			UndoKeep: []string{ParamGroupID},
			Params: []Param{userIDs("remove from the group"),
				{Name: ParamGroupID, Type: TypeString, Required: true, Description: "The ID of an OKTA_GROUP group (or its exact name, resolved to the ID before the guardrails check it; a protected group refuses the step). Get Group returns it at $.id.", Example: "00g1a2b3c4d5e6f7g8h9"}},
			Guards: []Guarded{{Param: ParamGroupID, Kind: TargetGroups}},
			Undo:   AddUsersToGroup, Roles: rolesMembership,
			Example: map[string]any{ParamUserIDs: []any{"00u1a2b3c4d5e6f7g8h9"}, ParamGroupID: "00g1a2b3c4d5e6f7g8h9"},
		}),
		{
			Name: BlockIPs, Title: "Block IPs",
			Description: "Adds IPv4 addresses, CIDRs or ranges to an IP zone whose usage is BLOCKLIST. Entries the zone already covers are reported as already_blocked; the 1,000-entry blocklist limit is never passed. Writes to one zone are serialised across runs.",
			Method:      "GET + PUT /api/v1/zones/{zoneId}",
			PlanWords:   "add {n} IPs to zone {zone_id}", PlanCall: "GET + PUT /api/v1/zones/{zone_id}",
			ZoneWrite: true, UndoKeep: []string{ParamZoneID},
			Params: []Param{
				{Name: ParamZoneID, Type: TypeString, Required: true, Description: "The ID of an IP zone with usage BLOCKLIST. List Zones returns it at $[*].id.", Example: "nzo1a2b3c4d5e6f7g8h9"},
				{Name: ParamIPAddresses, Type: TypeStringList, Required: true, Description: "IPv4 addresses, CIDRs or ranges (a-b) to block.", Example: ipListExample, MaxItems: MaxBlocklistEntries, Format: FormatIPv4Entry},
			},
			Output: bulkOutput + " plus zone: the zone after the write", Destructive: true, Targets: &Targets{Param: ParamIPAddresses, Kind: TargetIPs},
			Guards: []Guarded{{Param: ParamZoneID, Kind: TargetZones}},
			Undo:   UnblockIPs, Roles: []string{RoleReadOnly, RoleOrgAdmin, RoleSuperAdmin},
			StartToCloseTimeout: readTimeout, Retry: writeRetry,
			Example: map[string]any{ParamZoneID: "nzo1a2b3c4d5e6f7g8h9", ParamIPAddresses: []any{"203.0.113.7"}},
		},
		{
			Name: UnblockIPs, Title: "Unblock IPs",
			Description: "Removes entries from an IP BLOCKLIST zone (the reverse of Block IPs, used by undo_after). Entries not in the zone are reported as not_blocked.",
			Method:      "GET + PUT /api/v1/zones/{zoneId}",
			PlanWords:   "remove {n} IPs from zone {zone_id}", PlanCall: "GET + PUT /api/v1/zones/{zone_id}",
			ZoneWrite: true,
			Params: []Param{
				{Name: ParamZoneID, Type: TypeString, Required: true, Description: "The ID of an IP zone with usage BLOCKLIST.", Example: "nzo1a2b3c4d5e6f7g8h9"},
				{Name: ParamIPAddresses, Type: TypeStringList, Required: true, Description: "Entries to remove, as they were blocked.", Example: []any{"203.0.113.7"}, Format: FormatIPv4Entry},
			},
			Output: bulkOutput + " plus zone", Destructive: true, Targets: &Targets{Param: ParamIPAddresses, Kind: TargetIPs},
			Guards:              []Guarded{{Param: ParamZoneID, Kind: TargetZones}},
			Roles:               rolesZoneAdmin,
			StartToCloseTimeout: readTimeout, Retry: writeRetry,
			Example: map[string]any{ParamZoneID: "nzo1a2b3c4d5e6f7g8h9", ParamIPAddresses: []any{"203.0.113.7"}},
		},
		{
			Name: CreateUserInGroup, Title: "Create User In Group",
			Description: "Creates a STAGED user (activate=false) with login and email set to the email address, in the given groups (at most 20).",
			Method:      "POST /api/v1/users?activate=false",
			PlanWords:   "create {n} users", PlanCall: "POST /api/v1/users?activate=false",
			Params: []Param{
				{Name: ParamFirstName, Type: TypeString, Required: true, Description: "The user's first name.", Example: "Ada"},
				{Name: ParamLastName, Type: TypeString, Required: true, Description: "The user's last name.", Example: "Lovelace"},
				{Name: ParamEmail, Type: TypeString, Required: true, Description: "The user's email address, also used as login.", Example: "ada.lovelace@example.com", Format: FormatEmail},
				{Name: ParamPhoneNumber, Type: TypeString, Description: "The user's mobile phone number.", Example: "+1-555-0100"},
				{Name: ParamGroupIDs, Type: TypeStringList, Required: true, Description: "IDs (or exact names) of the groups to add the user to (1 to 20). A protected group refuses the step before the user is created.", Example: []any{"00g1a2b3c4d5e6f7g8h9"}, MaxItems: 20},
			},
			Output: "the created Okta user object", Destructive: true, Targets: &Targets{Param: ParamEmail, Kind: TargetNew},
			Guards:              []Guarded{{Param: ParamGroupIDs, Kind: TargetGroups}},
			Roles:               rolesUserWrite,
			StartToCloseTimeout: readTimeout, Retry: writeRetry,
			Example: map[string]any{ParamFirstName: "Ada", ParamLastName: "Lovelace", ParamEmail: "ada.lovelace@example.com", ParamGroupIDs: []any{"00g1a2b3c4d5e6f7g8h9"}},
		},
		{
			Name: CreateZone, Title: "Create Zone",
			Description: "Creates a network zone. Names longer than 128 characters are truncated. An IP BLOCKLIST zone needs gateways (or proxies); dynamic fields are ignored for IP zones and IP fields for DYNAMIC zones.",
			Method:      "POST /api/v1/zones",
			PlanWords:   "create a zone with {n} gateways", PlanCall: "POST /api/v1/zones",
			Params: append([]Param{
				{Name: ParamName, Type: TypeString, Required: true, Description: "The zone's unique name (at most 128 characters; longer names are truncated).", Example: "cordon-blocklist"},
				{Name: ParamType, Type: TypeString, Default: "IP", Enum: []string{"IP", "DYNAMIC"}, Description: "The zone type.", Example: "IP"},
				{Name: ParamUsage, Type: TypeString, Default: "BLOCKLIST", Enum: []string{"POLICY", "BLOCKLIST"}, Description: "The zone usage.", Example: "BLOCKLIST"},
			}, zoneShapeParams()...),
			Rules:  createZoneRules(),
			Output: "the created Okta network zone object", Destructive: true, Targets: &Targets{Param: ParamGateways, Kind: TargetIPs},
			Roles:               rolesZoneAdmin,
			StartToCloseTimeout: readTimeout, Retry: writeRetry,
			Example: map[string]any{ParamName: "cordon-blocklist", ParamGateways: []any{"203.0.113.7"}},
		},
		bulkUserWrite(&Action{
			Name: DeactivateUsers, Title: "Deactivate Users",
			Description: "Deactivates users (to DEPROVISIONED). A user already DEPROVISIONED is reported as already_deprovisioned, so retries and repeated runs are safe.",
			Method:      "POST /api/v1/users/{id}/lifecycle/deactivate",
			PlanWords:   "deactivate {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/deactivate",
			UndoSet: map[string]any{ParamSendEmail: false},
			Params:  []Param{userIDs("deactivate")},
			Undo:    ActivateUsers,
			Example: map[string]any{ParamUserIDs: []any{"00u1a2b3c4d5e6f7g8h9"}},
		}),
		{
			Name: DeleteZones, Title: "Delete Zones",
			Description: "Deletes network zones, deactivating an ACTIVE zone first. System zones are refused; a zone already gone is reported as already_deleted.",
			Method:      "POST /api/v1/zones/{zoneId}/lifecycle/deactivate + DELETE /api/v1/zones/{zoneId}",
			PlanWords:   "delete {n} zones", PlanCall: "POST /api/v1/zones/{target}/lifecycle/deactivate + DELETE /api/v1/zones/{target}",
			Params: []Param{{Name: ParamZoneIDs, Type: TypeStringList, Required: true,
				Description: "The IDs of the zones to delete. List Zones returns them at $[*].id.", Example: []any{"nzo1a2b3c4d5e6f7g8h9"}}},
			Output: bulkOutput, Destructive: true, Targets: &Targets{Param: ParamZoneIDs, Kind: TargetZones},
			Roles:               []string{RoleReadOnly, RoleSuperAdmin},
			StartToCloseTimeout: bulkTimeout, Heartbeat: bulkBeat, Retry: writeRetry,
			Example: map[string]any{ParamZoneIDs: []any{"nzo1a2b3c4d5e6f7g8h9"}},
		},
		{
			Name: FetchEvent, Title: "Fetch Event",
			Description: "Fetches System Log events in a time range and normalises each with the integration spec's field mapping (Device IP address, Unique Event Key, Event Type, HTTP user agent, Start Time, Description, Log username, Severity) beside the raw event.",
			Method:      "GET /api/v1/logs",
			Params: []Param{
				{Name: ParamStartTime, Type: TypeTime, Required: true, Description: `Start of the range: "2023-03-02 00:00" (UTC), RFC 3339, or relative like "-24h".`, Example: "-24h"},
				{Name: ParamEndTime, Type: TypeTime, Description: "End of the range, in the same forms; default now.", Example: "2023-03-10 00:00"},
				{Name: ParamMaxEvents, Type: TypeInteger, Default: 0, Description: "The maximum number of events; 0 or less returns all events in the range.", Example: 500},
				{Name: ParamSearchCondition, Type: TypeString, Description: "A System Log filter expression.", Example: `eventType eq "user.account.reset_password"`},
			},
			Rules:  []Rule{timeRangeRule()},
			Output: "list of {event: <normalised fields>, raw: <Okta LogEvent>}", Roles: rolesZoneRead,
			StartToCloseTimeout: bulkTimeout, Heartbeat: bulkBeat, Retry: readRetry,
			Example: map[string]any{ParamStartTime: "-24h", ParamSearchCondition: `eventType eq "user.session.start"`},
		},
		{
			Name: GetGroups, Title: "Get Groups",
			Description: "Lists groups, optionally filtered.",
			Method:      "GET /api/v1/groups",
			Params: []Param{
				{Name: ParamFilter, Type: TypeString, Description: "An Okta filter expression over groups.", Example: `type eq "OKTA_GROUP"`},
				limitParam(100),
			},
			Output: "list of Okta group objects ($[*].id, $[*].profile.name, $[*].type)", Roles: rolesGroupRead,
			StartToCloseTimeout: readTimeout, Retry: readRetry,
			Example: map[string]any{ParamFilter: `type eq "OKTA_GROUP"`, ParamLimit: 50},
		},
		{
			Name: GetLogs, Title: "Get Logs",
			Description: "Lists System Log events, optionally filtered and bounded in time.",
			Method:      "GET /api/v1/logs",
			Params: []Param{
				{Name: ParamFilter, Type: TypeString, Description: "A System Log filter expression.", Example: `eventType eq "user.session.start" and outcome.result eq "FAILURE"`},
				limitParam(100),
				{Name: ParamStartTime, Type: TypeTime, Description: "Start of the range (the since parameter); default 7 days ago.", Example: "-24h"},
				{Name: ParamEndTime, Type: TypeTime, Description: "End of the range (the until parameter); default now.", Example: "2023-03-10 00:00"},
			},
			Rules:  []Rule{timeRangeRule()},
			Output: "list of Okta LogEvent objects", Roles: []string{RoleGroupAdmin, RoleReadOnly, RoleOrgAdmin, RoleSuperAdmin},
			StartToCloseTimeout: readTimeout, Retry: readRetry,
			Example: map[string]any{ParamFilter: `eventType eq "user.session.start"`, ParamStartTime: "-24h"},
		},
		{
			Name: GetUserGroups, Title: "Get User Groups",
			Description: "Lists the groups a user belongs to (including Everyone).",
			Method:      "GET /api/v1/users/{id}/groups",
			Params: []Param{{Name: ParamUser, Type: TypeString, Required: true,
				Description: "The user's ID or login.", Example: "jane.doe@example.com"}},
			Output: "list of Okta group objects", Roles: rolesGroupRead,
			StartToCloseTimeout: readTimeout, Retry: readRetry,
			Example: map[string]any{ParamUser: "jane.doe@example.com"},
		},
		{
			Name: GetUsers, Title: "Get Users",
			Description: "Lists users selected by search (any profile attribute, e.g. department), filter (a few attributes, exact) or q (a name or email prefix); without any of them, every user except DEPROVISIONED ones, as Okta does. search and filter include DEPROVISIONED users. fields keeps only the named fields of each user, which shrinks the output 10-20 times.",
			Method:      "GET /api/v1/users",
			Params: []Param{
				{Name: ParamSearch, Type: TypeString, Description: "An Okta search expression: any profile attribute (custom ones too), id, status, type.id and the dates; operators eq, sw, pr, co (login, email, first and last name), gt/ge/lt/le (dates, status). Cannot be combined with filter.", Example: `profile.department eq "Finance" and status eq "ACTIVE"`},
				{Name: ParamFilter, Type: TypeString, Description: "An Okta filter expression over " + strings.Join(UserFilterAttrs, ", ") + " (eq; also gt, ge, lt, le on lastUpdated). Other attributes need search.", Example: `profile.login eq "jane.doe@example.com"`},
				{Name: ParamQ, Type: TypeString, Description: "Users whose first name, last name or email starts with this text (not DEPROVISIONED ones); Okta does not page q, so at most one page (200) comes back.", Example: "jane"},
				{Name: ParamLimit, Type: TypeInteger, Default: 100, AllowAll: true, Min: atLeast(0),
					RangeHint:   `is not a limit: want 0 or "all" (every user) or a positive number`,
					Description: `The maximum number of users; pages are followed until it is reached. 0 or "all" pages through every match.`, Example: "all"},
				fieldsParam(),
			},
			Output: "list of Okta user objects ($[*].id, $[*].status, $[*].profile.login); with fields, only those fields of each", Roles: rolesGroupRead,
			// Paging through a whole org (limit all) takes minutes at Okta's rate.
			StartToCloseTimeout: bulkTimeout, Retry: readRetry,
			Example: map[string]any{ParamSearch: `profile.department eq "Finance"`, ParamLimit: "all", ParamFields: []any{"id", "status", "profile.login"}},
			Rules:   userQueryRules(),
		},
		{
			Name: GetGroupMembers, Title: "Get Group Members",
			Description: "Lists the users of a group. fields keeps only the named fields of each user.",
			Method:      "GET /api/v1/groups/{groupId}/users",
			Params: []Param{
				{Name: ParamGroupID, Type: TypeString, Required: true, Description: "The group's ID.", Example: "00g1a2b3c4d5e6f7g8h9"},
				limitParam(100),
				fieldsParam(),
			},
			Output: "list of Okta user objects; with fields, only those fields of each", Roles: rolesGroupRead,
			StartToCloseTimeout: readTimeout, Retry: readRetry,
			Example: map[string]any{ParamGroupID: "00g1a2b3c4d5e6f7g8h9", ParamFields: []any{"id", "profile.login"}},
		},
		{
			Name: ListZones, Title: "List Zones",
			Description: "Lists network zones, optionally by IDs and usage.",
			Method:      "GET /api/v1/zones",
			Params: []Param{
				{Name: ParamZoneIDs, Type: TypeStringList, Description: "Only these zones.", Example: []any{"nzo1a2b3c4d5e6f7g8h9"}},
				{Name: ParamUsage, Type: TypeString, Enum: []string{"POLICY", "BLOCKLIST"}, Description: "Only zones with this usage.", Example: "BLOCKLIST"},
				{Name: ParamLimit, Type: TypeInteger, Default: 20, Description: "The maximum number of zones; 0 or less means 20.", Example: 5},
				{Name: ParamAfter, Type: TypeString, Description: "Return zones after this cursor (the next page).", Example: "nzo1a2b3c4d5e6f7g8h9"},
			},
			Output: "list of Okta network zone objects ($[*].id, $[*].name, $[*].type, $[*].usage)", Roles: rolesZoneRead,
			StartToCloseTimeout: readTimeout, Retry: readRetry,
			Example: map[string]any{ParamUsage: "BLOCKLIST"},
		},
		bulkUserWrite(&Action{
			Name: ResetUserPasswords, Title: "Reset User Passwords",
			Description: "Resets users' passwords (to RECOVERY). With send_email false the one-time reset URL is returned per user. send_email true forces convert_to_federated false.",
			Method:      "POST /api/v1/users/{id}/lifecycle/reset_password",
			PlanWords:   "reset the passwords of {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/reset_password",
			Params: []Param{userIDs("reset"),
				{Name: ParamSendEmail, Type: TypeBoolean, Default: true, Description: "Email the reset link to each user; when false the link is returned.", Example: true},
				{Name: ParamConvertToFederated, Type: TypeBoolean, Default: false, Description: "Convert the users to a federated credential provider (only when send_email is false).", Example: false},
			},
			Example: map[string]any{ParamUserIDs: []any{"00u1a2b3c4d5e6f7g8h9"}, ParamSendEmail: true},
		}),
		{
			Name: UpdateZone, Title: "Update Zone",
			Description: "Updates a network zone. overwrite false appends gateways, proxies, locations and ASNs to the zone's; true replaces them. The zone type cannot change. Writes to one zone are serialised across runs.",
			Method:      "GET + PUT /api/v1/zones/{zoneId}",
			PlanWords:   "update {n} zones", PlanCall: "GET + PUT /api/v1/zones/{zone_id}",
			ZoneWrite: true,
			Params: append([]Param{
				{Name: ParamZoneID, Type: TypeString, Required: true, Description: "The zone's ID.", Example: "nzo1a2b3c4d5e6f7g8h9"},
				{Name: ParamName, Type: TypeString, Description: "A new unique name (at most 128 characters; longer names are truncated).", Example: "cordon-blocklist"},
				{Name: ParamUsage, Type: TypeString, Enum: []string{"POLICY", "BLOCKLIST"}, Description: "A new usage.", Example: "BLOCKLIST"},
				{Name: ParamOverwrite, Type: TypeBoolean, Default: false, Description: "Replace the zone's lists instead of appending to them.", Example: false},
			}, zoneShapeParams()...),
			Output: "the updated Okta network zone object", Destructive: true, Targets: &Targets{Param: ParamZoneID, Kind: TargetZones},
			Guards:              []Guarded{{Param: ParamGateways, Kind: TargetIPs}},
			Roles:               rolesZoneAdmin,
			StartToCloseTimeout: readTimeout, Retry: writeRetry,
			Example: map[string]any{ParamZoneID: "nzo1a2b3c4d5e6f7g8h9", ParamGateways: []any{"203.0.113.0/24"}},
		},
		{
			Name: TestConnection, Title: "Test Connection",
			Description:         "Checks the connection and token (GET /api/v1/users/me, falling back to GET /api/v1/users?limit=1).",
			Method:              "GET /api/v1/users/me",
			Output:              "{status: Successful | Failed, user: login of the token's owner, latency_ms}",
			Roles:               rolesGroupRead,
			StartToCloseTimeout: time.Minute, Retry: Retry{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 3},
			Example: map[string]any{},
		},
	}
}
