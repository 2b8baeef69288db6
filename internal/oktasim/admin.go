package oktasim

import (
	"encoding/json"
	"io"
	"net/http"
)

// serveAdmin serves the /__sim/ control API. It needs no token and is not
// rate limited or logged: it stands outside the simulated org.
func (s *Sim) serveAdmin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	key := r.Method + " " + r.URL.Path
	switch key {
	case "GET /__sim/requests":
		writeJSON(w, http.StatusOK, s.Requests())
	case "DELETE /__sim/requests":
		s.ResetRequests()
		noContent(w)
	case "GET /__sim/faults":
		writeJSON(w, http.StatusOK, s.Faults())
	case "POST /__sim/faults":
		var f Fault
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
		if err != nil || json.Unmarshal(body, &f) != nil {
			s.writeError(w, errMalformed())
			return
		}
		s.SetFault(f)
		writeJSON(w, http.StatusOK, s.Faults())
	case "DELETE /__sim/faults":
		s.ClearFaults()
		noContent(w)
	case "GET /__sim/state":
		writeJSON(w, http.StatusOK, s.stateDump())
	case "POST /__sim/reset":
		if err := s.Reset(); err != nil {
			s.writeError(w, errInternal())
			return
		}
		noContent(w)
	case "POST /__sim/events":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
		if err != nil {
			s.writeError(w, errMalformed())
			return
		}
		var many []map[string]any
		if json.Unmarshal(body, &many) != nil {
			var one map[string]any
			if json.Unmarshal(body, &one) != nil || one == nil {
				s.writeError(w, errMalformed())
				return
			}
			many = []map[string]any{one}
		}
		for _, ev := range many {
			s.AppendEvent(ev)
		}
		noContent(w)
	default:
		s.writeError(w, errNoRoute())
	}
}
