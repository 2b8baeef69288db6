package oktasim

import (
	"net/http"
	"time"
)

// userLifecycle serves POST /api/v1/users/{id}/lifecycle/{op}.
func (s *Sim) userLifecycle(w http.ResponseWriter, r *http.Request) *apiError {
	key, op := r.PathValue("id"), r.PathValue("op")
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	u := o.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	now := s.clock()
	base := s.baseURL(r)
	switch op {
	case "activate":
		switch u.status {
		case statusStaged, statusDeprovisioned:
		case statusActive:
			return errAlreadyActive()
		default:
			// Okta's answer for PROVISIONED, RECOVERY, … is unconfirmed; this
			// is the documented analogue from reactivate.
			return errBadStatus()
		}
		// Without a password the user must finish the welcome flow, so
		// activation stops at PROVISIONED.
		u.status = statusProvisioned
		if !u.passwordChanged.IsZero() || u.provider != "OKTA" {
			u.status = statusActive
		}
		u.activated, u.statusChanged, u.lastUpdated = now, now, now
		o.audit(now, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
		if boolParam(q, "sendEmail", true) {
			writeJSON(w, http.StatusOK, struct{}{})
			return nil
		}
		tok := o.ids.token(20)
		writeJSON(w, http.StatusOK, map[string]string{"activationUrl": base + "/welcome/" + tok, "activationToken": tok})
	case "deactivate":
		if u.status == statusDeprovisioned {
			// Reported live behaviour (okta-sdk-java #721), not documented.
			return errNotFound(key, "User")
		}
		o.deactivate(u, now)
		writeJSON(w, http.StatusOK, struct{}{})
	case "reset_password":
		return s.resetPassword(w, r, u, now)
	case "unlock":
		// Okta also unlocks an ACTIVE user blocked from unknown devices;
		// the status stays ACTIVE.
		switch u.status {
		case statusLockedOut:
			o.setStatus(u, statusActive, now)
		case statusActive:
			u.lastUpdated = now
		default:
			return errBadStatus()
		}
		o.audit(now, "user.account.unlock", "Unlock user account", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "suspend":
		// Okta answers a suspend or unsuspend in the wrong status with
		// 400 E0000001 (its error table), not E0000038.
		if u.status != statusActive {
			return errValidation("status", "status: Cannot suspend a user that is not ACTIVE")
		}
		o.setStatus(u, statusSuspended, now)
		o.audit(now, "user.lifecycle.suspend", "Suspend Okta user", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "unsuspend":
		if u.status != statusSuspended {
			return errValidation("status", "status: Cannot unsuspend a user that is not SUSPENDED")
		}
		o.setStatus(u, statusActive, now)
		o.audit(now, "user.lifecycle.unsuspend", "Unsuspend Okta user", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "expire_password", "expire_password_with_temp_password":
		return s.expirePassword(w, r, u, op == "expire_password_with_temp_password", now)
	case "reset_factors":
		// Okta resets a DEPROVISIONED user's factors too (its resetFactors
		// link is there); only STAGED users, who enrolled nothing, have none.
		u.factors = nil
		u.lastUpdated = now
		o.audit(now, "user.mfa.factor.reset_all", "Reset all factors for user", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "reactivate":
		if u.status != statusProvisioned && u.status != statusRecovery {
			return errBadStatus()
		}
		u.status, u.statusChanged, u.lastUpdated = statusProvisioned, now, now
		o.audit(now, "user.lifecycle.reactivate", "Reactivate Okta user", userTarget(u))
		if !boolParam(q, "sendEmail", false) {
			tok := o.ids.token(20)
			writeJSON(w, http.StatusOK, map[string]string{"activationUrl": base + "/welcome/" + tok, "activationToken": tok})
			return nil
		}
		writeJSON(w, http.StatusOK, struct{}{})
	default:
		return errNoRoute()
	}
	return nil
}

// expirePassword serves expire_password (answering with the user) and
// expire_password_with_temp_password (answering {tempPassword}; with
// revokeSessions=true the user's sessions end too). Which statuses Okta
// refuses is unconfirmed; a user without a password (STAGED, PROVISIONED),
// a DEPROVISIONED and a SUSPENDED one get the documented status error.
func (s *Sim) expirePassword(w http.ResponseWriter, r *http.Request, u *user, temp bool, now time.Time) *apiError {
	o := s.org
	switch u.status {
	case statusStaged, statusProvisioned, statusDeprovisioned, statusSuspended:
		return errBadStatus()
	}
	o.setStatus(u, statusPwExpired, now)
	o.audit(now, "user.account.expire_password", "Expire user password", userTarget(u))
	if !temp {
		writeJSON(w, http.StatusOK, o.renderUser(s.baseURL(r), u, true))
		return nil
	}
	u.passwordChanged = now
	if boolParam(r.URL.Query(), "revokeSessions", false) {
		u.sessions = 0
		o.audit(now, "user.session.clear", "Clear user session", userTarget(u))
	}
	writeJSON(w, http.StatusOK, map[string]string{"tempPassword": o.ids.token(10)})
	return nil
}

func (s *Sim) resetPassword(w http.ResponseWriter, r *http.Request, u *user, now time.Time) *apiError {
	q := r.URL.Query()
	o := s.org
	switch u.status {
	case statusStaged, statusDeprovisioned, statusSuspended:
		// Unconfirmed in live traffic; Okta documents E0000038 for
		// operations not allowed in the user's current status.
		return errBadStatus()
	}
	if q.Get("provider") == "FEDERATION" {
		// Legacy behaviour: converts the credential to federated, no reset.
		u.provider, u.lastUpdated = "FEDERATION", now
		o.audit(now, "user.account.update_provider", "Update user credential provider", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
		return nil
	}
	// The default endpoint on a federated user converts it back to Okta.
	u.provider = "OKTA"
	o.setStatus(u, statusRecovery, now)
	o.audit(now, "user.account.reset_password", "Fired when the user's Okta password is reset", userTarget(u))
	if boolParam(q, "sendEmail", true) {
		writeJSON(w, http.StatusOK, struct{}{})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"resetPasswordUrl": s.baseURL(r) + "/reset_password/" + o.ids.token(20)})
	return nil
}

func (o *org) setStatus(u *user, status string, now time.Time) {
	u.status, u.statusChanged, u.lastUpdated = status, now, now
}

// deactivate moves a user to DEPROVISIONED. Group memberships are kept, as
// Okta keeps them for deactivated users.
func (o *org) deactivate(u *user, now time.Time) {
	o.setStatus(u, statusDeprovisioned, now)
	o.audit(now, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
}
