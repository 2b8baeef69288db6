package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
)

// AlertResult is what POST /v1/alerts did with one alert.
type AlertResult struct {
	// AlertID is the alert's id, or the hash that stands for it.
	AlertID string        `json:"alert_id"`
	Runs    []trigger.Run `json:"runs"`
	// Errors are triggers that could not be evaluated for this alert.
	Errors []string `json:"errors,omitempty"`
}

// AlertsResponse is the body of POST /v1/alerts, one result per alert in
// request order. The status is 202 when a trigger matched (runs holds
// what started, or the existing run marked duplicate), 200 when none did,
// and 503 when Temporal failed mid-way: then the request can be sent
// again safely, because the workflow IDs are the same.
type AlertsResponse struct {
	Alerts []AlertResult `json:"alerts"`
	Error  string        `json:"error,omitempty"`
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request, body []byte) {
	alerts, err := decodeAlerts(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	pbs := s.Playbooks()
	resp := AlertsResponse{Alerts: make([]AlertResult, 0, len(alerts))}
	matched := false
	for _, alert := range alerts {
		key := trigger.Key(alert)
		res := AlertResult{AlertID: key, Runs: []trigger.Run{}}
		matches, errs := trigger.Matching(pbs, playbook.TriggerWebhook, alert, nil)
		for _, e := range errs {
			res.Errors = append(res.Errors, e.Error())
			s.cfg.Logger.Warn("webhook trigger not evaluated", "alert", key, "error", e)
		}
		src := trigger.Source{Library: s.cfg.Library, StartedBy: startedBy(r), Connection: r.URL.Query().Get("connection")}
		started, err := trigger.StartAll(ctx, s.cfg.Starter, src, alert, key, matches)
		res.Runs = append(res.Runs, started...)
		resp.Alerts = append(resp.Alerts, res)
		matched = matched || len(matches) > 0
		s.logRuns(key, started)
		if err != nil {
			s.cfg.Logger.Error("starting runs failed", "alert", key, "error", err)
			resp.Error = "starting runs: " + err.Error() + " (sending the request again is safe)"
			writeJSON(w, http.StatusServiceUnavailable, resp)
			return
		}
	}
	status := http.StatusOK
	if matched {
		status = http.StatusAccepted
	}
	writeJSON(w, status, resp)
}

func (s *Server) logRuns(key string, started []trigger.Run) {
	for _, r := range started {
		s.cfg.Metrics.Run(r.Playbook, r.Duplicate, r.Error != "")
		switch {
		case r.Error != "":
			s.cfg.Logger.Warn("run refused", "alert", key, "playbook", r.Playbook, "error", r.Error)
		case r.Duplicate:
			s.cfg.Logger.Info("duplicate alert: run exists", "alert", key, "workflow_id", r.WorkflowID)
		default:
			s.cfg.Logger.Info("run started", "alert", key, "workflow_id", r.WorkflowID, "run_id", r.RunID)
		}
	}
}

// decodeAlerts accepts one JSON object or an array of objects.
func decodeAlerts(body []byte) ([]map[string]any, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, fmt.Errorf("body is not a JSON array of alerts: %v", err)
		}
		if len(batch) > MaxBatch {
			return nil, fmt.Errorf("a batch holds at most %d alerts, not %d", MaxBatch, len(batch))
		}
		out := make([]map[string]any, 0, len(batch))
		for i, raw := range batch {
			a, err := runs.ParseAlert(fmt.Sprintf("#%d", i), raw)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		return out, nil
	}
	a, err := runs.ParseAlert("body", trimmed)
	if err != nil {
		return nil, fmt.Errorf("%v (send one alert object or an array of them)", err)
	}
	return []map[string]any{a}, nil
}

// namedRun is the body of POST /v1/playbooks/{name}/runs.
type namedRun struct {
	Inputs map[string]any `json:"inputs"`
	Alert  map[string]any `json:"alert"`
	DryRun bool           `json:"dry_run"`
	// Connection is the run's connection (cordon run --connection).
	Connection string `json:"connection"`
}

// NamedRunResponse is the answer of POST /v1/playbooks/{name}/runs: 202
// when started, 200 when a run for this alert already existed.
type NamedRunResponse struct {
	Playbook string `json:"playbook"`
	runs.Started
}

func (s *Server) startNamed(w http.ResponseWriter, r *http.Request, body []byte) {
	name := r.PathValue("name")
	var pb *playbook.Playbook
	for _, p := range s.Playbooks() {
		if p.Name == name {
			pb = p
		}
	}
	if pb == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no playbook %q in the library %s", name, s.cfg.Library.Dir))
		return
	}
	var req namedRun
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be {\"inputs\": {...}, \"alert\": {...}, \"dry_run\": false, \"connection\": \"NAME\"}: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	started, err := s.cfg.Starter.Start(ctx, runs.Request{Playbook: pb, Library: s.cfg.Library, Inputs: req.Inputs,
		Alert: req.Alert, DryRun: req.DryRun, StartedBy: startedBy(r), Connection: req.Connection})
	var inErr *runs.InputError
	switch {
	case errors.As(err, &inErr):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	case err != nil:
		s.cfg.Logger.Error("starting run failed", "playbook", name, "error", err)
		writeError(w, http.StatusServiceUnavailable, "starting run: "+err.Error())
		return
	}
	status := http.StatusAccepted
	if started.Duplicate {
		status = http.StatusOK
	}
	s.logRuns(runs.AlertID(req.Alert), []trigger.Run{{Playbook: name, WorkflowID: started.WorkflowID, RunID: started.RunID, Duplicate: started.Duplicate}})
	writeJSON(w, status, NamedRunResponse{Playbook: name, Started: started})
}
