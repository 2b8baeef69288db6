package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cordonsec/cordon/playbook"
)

// handler is a POST route that receives an authenticated JSON body.
type handler func(w http.ResponseWriter, r *http.Request, body []byte)

// withBody enforces, in this order, the size limit (413), authentication
// (401), the content type (415) and the pre-scan's nesting and value
// limits (400), so that nothing reaches a route, and
// nothing is started, for a refused request. Authentication comes after
// reading because the signature covers the body.
func (s *Server) withBody(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBody {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d bytes", MaxBody))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d bytes", MaxBody))
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
			return
		}
		scheme, err := s.auth.check(r, body)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cordon"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, StartedBy+":"+scheme))
		if !isJSON(r.Header.Get("Content-Type")) {
			writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		if err := playbook.ScanJSON(body); err != nil {
			writeError(w, http.StatusBadRequest, "body: "+err.Error())
			return
		}
		if !json.Valid(body) {
			writeError(w, http.StatusBadRequest, "body is not valid JSON")
			return
		}
		next(w, r, body)
	}
}

type callerKey struct{}

// startedBy is what runs started by this request record as
// options.started_by: webhook:<scheme that authenticated it>.
func startedBy(r *http.Request) string {
	if v, ok := r.Context().Value(callerKey{}).(string); ok {
		return v
	}
	return StartedBy
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// errorBody is every error response: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}
