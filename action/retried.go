package action

// What a retry can repeat. Temporal retries an activity when its attempt
// fails or its worker dies, and a write whose answer was lost may already
// have taken effect in Okta. RetryEffects says, for every action that
// writes, whether such a retry could repeat something a person would
// notice (an email, a new link, a second object) and how Cordon prevents
// it; docs/actions.md prints it, and a test requires an entry for every
// destructive action.
var RetryEffects = map[string]string{
	DeactivateUsers: "Nothing visible repeats: deactivating twice is refused by Okta. " +
		"A user deactivated by an earlier attempt (its answer lost, its worker killed) is reported done, " +
		"not already_deprovisioned, when the System Log shows the step's own marked event, so undo_after reactivates it; " +
		"a deactivation by anyone else is already_deprovisioned, with who did it, and is never reactivated.",
	ActivateUsers: "No second activation email: Okta refuses to activate an ACTIVE or PROVISIONED user again. " +
		"A user activated by an earlier attempt is reported done when the System Log shows the step's own marked event. " +
		"With send_email false a lost answer loses its activation URL; a retry cannot get it back (the user is no longer STAGED).",
	ResetUserPasswords: "No second reset email: a write-ahead bit is heartbeated before each emailed reset, and a lost reply or a retry reads the user back; " +
		"a user in RECOVERY whose reset event carries the step's marker is done, not sent again. " +
		"With send_email false a retry issues a new one-time link, which replaces the lost one; no email is sent.",
	AddUsersToGroup: "Nothing visible repeats: adding a member is idempotent. " +
		"Memberships an earlier attempt added are reported done (the System Log's membership events carrying the step's marker), so undo_after removes them; " +
		"memberships added by anyone else are already_member and never removed.",
	RemoveUsersFromGroup: "Nothing visible repeats: removing a member is idempotent. " +
		"Memberships an earlier attempt removed are reported done (the System Log's membership events carrying the step's marker).",
	BlockIPs: "Nothing visible repeats: the zone is read and written whole, and entries it holds are not added twice. " +
		"Entries an earlier attempt added are reported done (a write-ahead heartbeat before each write), so undo_after removes them.",
	UnblockIPs: "Nothing visible repeats: entries no longer in the zone are not written. " +
		"Entries an earlier attempt removed are reported done (a write-ahead heartbeat before each write).",
	CreateUserInGroup: "No second user: a retry finds the login taken by a user with the same name and returns that user " +
		"(adding any group it is missing) instead of failing or creating another.",
	CreateZone:  "No second zone: a retry finds the name taken by a zone of the same type and returns it.",
	UpdateZone:  "Nothing visible repeats: the zone is written whole with the same content.",
	DeleteZones: "Nothing visible repeats: a zone already gone is reported already_deleted.",
	SuspendUsers: "Nothing visible repeats: Okta refuses to suspend a SUSPENDED user. " +
		"A user suspended by an earlier attempt is reported done, not already_suspended, when the System Log shows the step's own marked event, so undo_after unsuspends it; " +
		"a suspension by anyone else is already_suspended and never undone.",
	UnsuspendUsers: "Nothing visible repeats: Okta refuses to unsuspend a user who is not SUSPENDED. " +
		"A user unsuspended by an earlier attempt is reported done when the System Log shows the step's own marked event.",
	UnlockUsers:       "Nothing visible repeats: unlocking an unlocked user changes nothing.",
	ClearUserSessions: "Nothing visible repeats: ending sessions again ends the ones opened since, which is the point.",
	ResetFactors:      "Nothing visible repeats: a user whose factors are gone is reported no_factors; the user enrolls again once, at the next sign-in.",
	ExpirePasswords: "No email is sent. With temp_password a retry after a lost answer issues a new temporary password, " +
		"which replaces the lost one; without it, expiring again changes nothing the user sees.",
	UpdateUserProfile: "Nothing visible repeats: a partial update with the same values leaves the profile as it is (unchanged).",
}
