package action

// Identity-response actions beyond the integration spec's 17 commands: the
// first moves of an account-takeover response (end sessions, suspend,
// reset factors, expire the password) and the reads an analyst needs
// beside them. They follow the same rules as the 17: one spec each, guarded
// targets for every write, per-item outcomes for lists.

// Parameter names of the identity-response actions.
const (
	ParamGroup          = "group"
	ParamOAuthTokens    = "oauth_tokens"
	ParamTempPassword   = "temp_password"
	ParamRevokeSessions = "revoke_sessions"
	ParamFactorTypes    = "factor_types"
	ParamNotFound       = "not_found"
	ParamProfile        = "profile"
	ParamAllowFields    = "allow_fields"
)

// Action names of the identity-response actions.
const (
	ClearUserSessions = "okta.clear_user_sessions"
	SuspendUsers      = "okta.suspend_users"
	UnsuspendUsers    = "okta.unsuspend_users"
	UnlockUsers       = "okta.unlock_users"
	ExpirePasswords   = "okta.expire_passwords"
	ListUserFactors   = "okta.list_user_factors"
	ResetFactors      = "okta.reset_factors"
	GetUser           = "okta.get_user"
	ListUserApps      = "okta.list_user_apps"
	GetGroup          = "okta.get_group"
	UpdateUserProfile = "okta.update_user_profile"
)

// Outcomes of the identity-response actions.
const (
	OutcomeAlreadySuspended = "already_suspended"
	OutcomeNotSuspended     = "not_suspended"
	OutcomeNoFactors        = "no_factors"
	OutcomeUnchanged        = "unchanged"
)

// NotFound values of okta.get_user.
const (
	NotFoundFail = "fail"
	NotFoundOK   = "ok"
)

// FactorTypes are Okta's factor types (UserFactorType), the values
// okta.reset_factors accepts in factor_types.
var FactorTypes = []string{"call", "email", "push", "question", "signed_nonce", "sms", "token",
	"token:hardware", "token:hotp", "token:software:totp", "u2f", "web", "webauthn"}

// ProtectedField is a user profile attribute playbooks may not change with
// okta.update_user_profile. An attacker who owns an account changes exactly
// these to keep it (login) or to receive its recovery messages (email,
// phones); a playbook that tags an account under investigation has no
// business touching them.
type ProtectedField struct {
	Name string
	// Allowable fields may be changed when the step names them in
	// allow_fields; the others never.
	Allowable bool
	Why       string
}

// ProtectedProfileFields is the registry's list of protected profile
// attributes, in the order the docs show them.
var ProtectedProfileFields = []ProtectedField{
	{Name: "login", Why: "the sign-in name; changing it hands the account a new identity"},
	{Name: "email", Allowable: true, Why: "the primary recovery channel"},
	{Name: "secondEmail", Allowable: true, Why: "a recovery channel"},
	{Name: "mobilePhone", Allowable: true, Why: "an SMS and voice recovery channel"},
	{Name: "primaryPhone", Allowable: true, Why: "a voice recovery channel"},
}

// LookupProtectedField returns the protected field with this name.
func LookupProtectedField(name string) (ProtectedField, bool) {
	for _, f := range ProtectedProfileFields {
		if f.Name == name {
			return f, true
		}
	}
	return ProtectedField{}, false
}

var rolesUserRead = []string{RoleGroupAdmin, RoleReadOnly, RoleOrgAdmin, RoleSuperAdmin}

func userParam(desc string) Param {
	return Param{Name: ParamUser, Type: TypeString, Required: true, Description: desc, Example: "jane.doe@example.com"}
}

// bulkUserWrite fills the fields every per-user write shares.
func bulkUserWrite(a *Action) *Action {
	a.Destructive = true
	a.Targets = &Targets{Param: ParamUserIDs, Kind: TargetUsers}
	if a.Output == "" {
		a.Output = bulkOutput
	}
	if a.Roles == nil {
		a.Roles = rolesUserWrite
	}
	a.StartToCloseTimeout, a.Heartbeat, a.Retry = bulkTimeout, bulkBeat, writeRetry
	return a
}

func identityActions() []*Action {
	ex := []any{"00u1a2b3c4d5e6f7g8h9"}
	read := func(a *Action) *Action {
		a.StartToCloseTimeout, a.Retry = readTimeout, readRetry
		return a
	}
	return []*Action{
		bulkUserWrite(&Action{
			Name: ClearUserSessions, Title: "Clear User Sessions",
			Description: "Ends every Okta session of each user, so the next request must sign in again; with oauth_tokens true also revokes the OpenID Connect and OAuth tokens Okta issued to the user. Clearing a user without sessions is done too: the request is idempotent.",
			Method:      "DELETE /api/v1/users/{userId}/sessions",
			PlanWords:   "end the sessions of {n} users", PlanCall: "DELETE /api/v1/users/{target}/sessions",
			Params: []Param{userIDs("sign out"),
				{Name: ParamOAuthTokens, Type: TypeBoolean, Default: false, Description: "Also revoke the user's OpenID Connect and OAuth refresh and access tokens (Okta's oauthTokens).", Example: true}},
			Example: map[string]any{ParamUserIDs: ex, ParamOAuthTokens: true},
		}),
		bulkUserWrite(&Action{
			Name: SuspendUsers, Title: "Suspend Users",
			Description: "Suspends ACTIVE users: they cannot sign in, keep their groups and apps, and come back with Unsuspend Users (undo_after works). A user already SUSPENDED is reported as already_suspended; other statuses fail with Okta's E0000001.",
			Method:      "POST /api/v1/users/{id}/lifecycle/suspend",
			PlanWords:   "suspend {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/suspend",
			Params:  []Param{userIDs("suspend")},
			Undo:    UnsuspendUsers,
			Example: map[string]any{ParamUserIDs: ex},
		}),
		bulkUserWrite(&Action{
			Name: UnsuspendUsers, Title: "Unsuspend Users",
			Description: "Returns SUSPENDED users to ACTIVE (the reverse of Suspend Users, used by undo_after). A user that is not SUSPENDED is reported as not_suspended, with its status in the message.",
			Method:      "POST /api/v1/users/{id}/lifecycle/unsuspend",
			PlanWords:   "unsuspend {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/unsuspend",
			Params:  []Param{userIDs("unsuspend")},
			Undo:    SuspendUsers,
			Example: map[string]any{ParamUserIDs: ex},
		}),
		bulkUserWrite(&Action{
			Name: UnlockUsers, Title: "Unlock Users",
			Description: "Unlocks LOCKED_OUT users (to ACTIVE; they keep their password) and ACTIVE users blocked from unknown devices. Repeating it on an ACTIVE user is done again. Other statuses fail with Okta's E0000038.",
			Method:      "POST /api/v1/users/{id}/lifecycle/unlock",
			PlanWords:   "unlock {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/unlock",
			Params:  []Param{userIDs("unlock")},
			Example: map[string]any{ParamUserIDs: ex},
		}),
		bulkUserWrite(&Action{
			Name: ExpirePasswords, Title: "Expire Passwords",
			Description: "Expires users' passwords (to PASSWORD_EXPIRED): each must choose a new one at the next sign-in. With temp_password true Okta also sets a temporary password, returned in that user's result as data.temp_password and nowhere else: Cordon never logs it, and without temp_password no password is requested at all.",
			Method:      "POST /api/v1/users/{id}/lifecycle/expire_password (or expire_password_with_temp_password)",
			PlanWords:   "expire the passwords of {n} users", PlanCall: "POST /api/v1/users/{target}/lifecycle/expire_password (or expire_password_with_temp_password)",
			Params: []Param{userIDs("expire the password of"),
				{Name: ParamTempPassword, Type: TypeBoolean, Default: false, Description: "Reset each password to a temporary one and return it in the step output (data.temp_password). Only for hand-over to the user through a trusted channel.", Example: false},
				{Name: ParamRevokeSessions, Type: TypeBoolean, Default: false, Description: "With temp_password, also revoke the user's sessions (Okta's revokeSessions). Refused without temp_password: end sessions with Clear User Sessions instead.", Example: false}},
			Rules:   expirePasswordRules(),
			Output:  bulkOutput + "; data.temp_password per user only when temp_password is true",
			Example: map[string]any{ParamUserIDs: ex},
		}),
		read(&Action{
			Name: ListUserFactors, Title: "List User Factors",
			Description: "Lists the MFA factors a user has enrolled (type, provider, status).",
			Method:      "GET /api/v1/users/{userId}/factors",
			Params:      []Param{userParam("The user's ID or login.")},
			Output:      "list of Okta UserFactor objects ($[*].id, $[*].factorType, $[*].provider, $[*].status)",
			Roles:       rolesUserRead,
			Example:     map[string]any{ParamUser: "jane.doe@example.com"},
		}),
		bulkUserWrite(&Action{
			Name: ResetFactors, Title: "Reset Factors",
			Description: "Unenrolls users' MFA factors, all of them or only those of the given types, so the user must enroll again. A user with no matching factor is reported as no_factors; data.reset lists the factor types removed.",
			Method:      "GET /api/v1/users/{userId}/factors + POST /api/v1/users/{id}/lifecycle/reset_factors (all) or DELETE /api/v1/users/{userId}/factors/{factorId} (by type)",
			PlanWords:   "reset the MFA factors of {n} users", PlanCall: "GET /api/v1/users/{target}/factors + POST /api/v1/users/{target}/lifecycle/reset_factors (all) or DELETE /api/v1/users/{target}/factors/{factorId} (by type)",
			Params: []Param{userIDs("reset the factors of"),
				{Name: ParamFactorTypes, Type: TypeStringList, Description: "Only factors of these types (Okta's factorType, e.g. sms, push, token:software:totp); all factors when empty.", Example: []any{"sms", "push"}, MaxItems: len(FactorTypes), Enum: FactorTypes}},
			Example: map[string]any{ParamUserIDs: ex, ParamFactorTypes: []any{"sms"}},
		}),
		read(&Action{
			Name: GetUser, Title: "Get User",
			Description: "Fetches one user by ID, login or short login. With not_found ok an unknown user is an ordinary answer {found: false, user: null} instead of a failed step.",
			Method:      "GET /api/v1/users/{id}",
			Params: []Param{userParam("The user's ID, login, short login or me."),
				{Name: ParamNotFound, Type: TypeString, Default: NotFoundFail, Enum: []string{NotFoundFail, NotFoundOK}, Description: "What an unknown user does: fail the step, or ok (found false).", Example: NotFoundOK}},
			Output:  "{found: true | false, user: the Okta user object or null}",
			Roles:   rolesUserRead,
			Example: map[string]any{ParamUser: "jane.doe@example.com", ParamNotFound: NotFoundOK},
		}),
		read(&Action{
			Name: ListUserApps, Title: "List User Apps",
			Description: "Lists the app links of a user: every application the account reaches, directly or through a group.",
			Method:      "GET /api/v1/users/{id}/appLinks",
			Params:      []Param{userParam("The user's ID or login.")},
			Output:      "list of Okta AssignedAppLink objects ($[*].label, $[*].appName, $[*].appInstanceId)",
			Roles:       rolesUserRead,
			Example:     map[string]any{ParamUser: "jane.doe@example.com"},
		}),
		read(&Action{
			Name: GetGroup, Title: "Get Group",
			Description: "Fetches one group by ID or by exact name (case-insensitive, as Okta's search compares). A name that matches no group, or several, fails the step.",
			Method:      "GET /api/v1/groups/{groupId} (or GET /api/v1/groups?search=profile.name eq ...)",
			Params: []Param{{Name: ParamGroup, Type: TypeString, Required: true,
				Description: "The group's ID or exact name.", Example: "Incident Response"}},
			Output:  "the Okta group object ($.id, $.profile.name, $.type)",
			Roles:   rolesGroupRead,
			Example: map[string]any{ParamGroup: "Incident Response"},
		}),
		bulkUserWrite(&Action{
			Name: UpdateUserProfile, Title: "Update User Profile",
			Description: "Changes some attributes of users' profiles and leaves the rest alone (a partial update), for example to tag an account under investigation. Attributes in the registry's protected list (docs/actions.md) are refused unless allow_fields names them; login never changes. A user whose profile already holds the values is reported as unchanged.",
			Method:      "GET + POST /api/v1/users/{id}",
			PlanWords:   "update the profiles of {n} users", PlanCall: "GET + POST /api/v1/users/{target}",
			Params: []Param{userIDs("update"),
				{Name: ParamProfile, Type: TypeObject, Required: true, Description: "The attributes to set, by Okta profile name; null clears one.", Example: map[string]any{"title": "under investigation"}},
				{Name: ParamAllowFields, Type: TypeStringList, Description: "Protected attributes this step may change (email, secondEmail, mobilePhone, primaryPhone).", Example: []any{"email"}, Enum: allowableFields()}},
			Rules:   []Rule{protectedProfileRule()},
			Example: map[string]any{ParamUserIDs: ex, ParamProfile: map[string]any{"title": "under investigation"}},
		}),
	}
}
