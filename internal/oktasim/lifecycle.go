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
		if u.status != statusLockedOut {
			return errBadStatus()
		}
		o.setStatus(u, statusActive, now)
		o.audit(now, "user.account.unlock", "Unlock user account", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "suspend":
		if u.status != statusActive {
			return errBadStatus()
		}
		o.setStatus(u, statusSuspended, now)
		o.audit(now, "user.lifecycle.suspend", "Suspend Okta user", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	case "unsuspend":
		if u.status != statusSuspended {
			return errBadStatus()
		}
		o.setStatus(u, statusActive, now)
		o.audit(now, "user.lifecycle.unsuspend", "Unsuspend Okta user", userTarget(u))
		writeJSON(w, http.StatusOK, struct{}{})
	default:
		return errNoRoute()
	}
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
