package approvals

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cordonsec/cordon/internal/runs"
)

// apiIdentity authenticates a JSON API request: a bearer ID token, or the
// session cookie, which for POST must come with its CSRF token in the
// X-CSRF-Token header.
func (h *Handler) apiIdentity(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	id, sent, err := h.bearer(r)
	if sent {
		if err != nil {
			apiError(w, http.StatusUnauthorized, "invalid bearer token: "+err.Error())
			return Identity{}, false
		}
		return id, true
	}
	sess, ok := h.cookies.session(r)
	if !ok {
		apiError(w, http.StatusUnauthorized, "authentication required: sign in at /auth/login, or send Authorization: Bearer <ID token> (cordon login)")
		return Identity{}, false
	}
	if r.Method != http.MethodGet && !validCSRF(sess, r.Header.Get("X-CSRF-Token")) {
		apiError(w, http.StatusForbidden, "missing or invalid X-CSRF-Token")
		return Identity{}, false
	}
	return sess.Identity, true
}

// Authenticate says whether r comes from a signed-in user (a valid ID
// token or session cookie); cordon serve's codec endpoint accepts them.
func (h *Handler) Authenticate(r *http.Request) error {
	if _, sent, err := h.bearer(r); sent {
		return err
	}
	if _, ok := h.cookies.session(r); !ok {
		return errors.New("not signed in")
	}
	return nil
}

func (h *Handler) listAPI(w http.ResponseWriter, r *http.Request) {
	who, ok := h.apiIdentity(w, r)
	if !ok {
		return
	}
	list, err := h.pending(r.Context(), who)
	if err != nil {
		apiError(w, http.StatusBadGateway, err.Error())
		return
	}
	if list == nil {
		list = []Pending{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"approver": who, "pending": list})
}

func (h *Handler) decideAPI(w http.ResponseWriter, r *http.Request) {
	who, ok := h.apiIdentity(w, r)
	if !ok {
		return
	}
	var req DecisionRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "the body must be a JSON object {decision, comment, targets_sha256}: "+err.Error())
		return
	}
	rec, err := h.decide(r.Context(), who, r.PathValue("run"), r.PathValue("step"), req)
	if err != nil {
		status, msg := errStatus(err)
		apiError(w, status, msg)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// errStatus maps a decide error to an HTTP status and message: a refusal
// by the worker is 403 with its reason.
func errStatus(err error) (int, string) {
	var refused *runs.RefusedError
	switch {
	case errors.As(err, &refused):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, errNotPending):
		return http.StatusConflict, err.Error()
	}
	return http.StatusBadGateway, err.Error()
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
