package approvals

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

// Starts: signed-in people start runs (POST /v1/runs, the Run a playbook
// page). Serve signs each start for the person (runs.Request.Signer), so
// the worker knows who started the run and can refuse anything else.

// StartRequest is what a person asks to start.
type StartRequest struct {
	Playbook string         `json:"playbook"`
	Inputs   map[string]any `json:"inputs,omitempty"`
	Alert    map[string]any `json:"alert,omitempty"`
	DryRun   bool           `json:"dry_run,omitempty"`
	// ID is the workflow id; default as cordon run's (<playbook>-<alert
	// id>, else <playbook>-<random>).
	ID string `json:"id,omitempty"`
	// Connection is the run's connection (cordon run --connection); it is
	// part of what the start's signature covers.
	Connection string `json:"connection,omitempty"`
}

// StartResponse says which run was started, by whom, signed with which
// key.
type StartResponse struct {
	Playbook  string `json:"playbook"`
	StartedBy string `json:"started_by"` // the canonical identity (the IdP's subject)
	Login     string `json:"login"`
	KeyID     string `json:"key_id"`
	runs.Started
}

// Errors of start, mapped to HTTP statuses by the callers.
var (
	errNoPlaybook = errors.New("no such playbook")
	errBadInput   = errors.New("bad input")
	errForbidden  = errors.New("refused")
)

// playbook finds a playbook of the library by name.
func (h *Handler) playbook(name string) (*playbook.Playbook, error) {
	if h.cfg.Playbooks == nil {
		return nil, fmt.Errorf("%w: this server does not start runs (no playbook library)", errNoPlaybook)
	}
	list := h.cfg.Playbooks()
	if i := slices.IndexFunc(list, func(p *playbook.Playbook) bool { return p.Name == name }); i >= 0 {
		return list[i], nil
	}
	return nil, fmt.Errorf("%w: no playbook %q in the library", errNoPlaybook, name)
}

// start signs and starts who's run.
func (h *Handler) start(ctx context.Context, who Identity, req StartRequest) (*StartResponse, error) {
	pb, err := h.playbook(req.Playbook)
	if err != nil {
		return nil, err
	}
	conns, err := h.cfg.Library.RunConnections(pb, req.Connection)
	if err != nil {
		return nil, fmt.Errorf("%w: playbook %s: %v", errBadInput, pb.Name, err)
	}
	if err := h.mayStart(pb.Name, conns, who); err != nil {
		return nil, fmt.Errorf("%w: %v", errForbidden, err)
	}
	started, err := runs.Start(ctx, h.cfg.Temporal, runs.Request{Playbook: pb, Library: h.cfg.Library, Inputs: req.Inputs,
		Alert: req.Alert, DryRun: req.DryRun, ID: req.ID, Connection: req.Connection, StartedBy: who.ID(), Login: who.Login, Groups: who.Groups, Signer: h.cfg.Signer})
	var inErr *runs.InputError
	if errors.As(err, &inErr) {
		return nil, fmt.Errorf("%w: playbook %s: %v", errBadInput, pb.Name, inErr.Err)
	}
	if err != nil {
		return nil, err
	}
	h.cfg.Logger.Info("run started", "run", started.WorkflowID, "playbook", pb.Name, "started_by", who.ID(), "login", who.Login, "key_id", h.cfg.Signer.KeyID, "duplicate", started.Duplicate)
	return &StartResponse{Playbook: pb.Name, StartedBy: who.ID(), Login: who.Login, KeyID: h.cfg.Signer.KeyID, Started: started}, nil
}

// mayStart applies permissions.start: who may start playbook on every
// one of conns (none: on some connection).
func (h *Handler) mayStart(playbook string, conns []string, who Identity) error {
	if h.cfg.Permissions == nil {
		return nil
	}
	return h.cfg.Permissions.MayStart(playbook, conns, who.ID(), who.Login, who.Groups)
}

// startable lists the playbooks who may start.
func (h *Handler) startable(who Identity) []*playbook.Playbook {
	var out []*playbook.Playbook
	if h.cfg.Playbooks == nil {
		return nil
	}
	for _, pb := range h.cfg.Playbooks() {
		if h.mayStart(pb.Name, nil, who) == nil {
			out = append(out, pb)
		}
	}
	return out
}

func startStatus(err error) int {
	switch {
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, errNoPlaybook):
		return http.StatusNotFound
	case errors.Is(err, errBadInput):
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadGateway
}

func (h *Handler) startAPI(w http.ResponseWriter, r *http.Request) {
	who, ok := h.apiIdentity(w, r)
	if !ok {
		return
	}
	var req StartRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, runs.MaxAlertBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, `the body must be a JSON object {"playbook": NAME, "inputs": {...}, "alert": {...}, "dry_run": false, "id": ID, "connection": NAME}: `+err.Error())
		return
	}
	res, err := h.start(r.Context(), who, req)
	if err != nil {
		apiError(w, startStatus(err), err.Error())
		return
	}
	status := http.StatusAccepted
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

// startPage is the Run a playbook page: the library's playbooks, and for
// the one picked, a field per declared input.
func (h *Handler) startPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	data := map[string]any{"Session": sess, "Playbooks": h.startable(sess.Identity)}
	if name := r.URL.Query().Get("playbook"); name != "" {
		pb, err := h.playbook(name)
		if err != nil {
			h.errorPage(w, http.StatusNotFound, err.Error())
			return
		}
		data["Picked"] = pb
	}
	h.render(w, http.StatusOK, "start", data)
}

// startForm takes the page's form: input_NAME fields (typed by the
// playbook's declarations, as cordon run --input does), an optional alert
// JSON object and dry_run.
func (h *Handler) startForm(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.cookies.session(r)
	if !ok {
		h.errorPage(w, http.StatusUnauthorized, "Sign in first.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, runs.MaxAlertBytes)
	if !validCSRF(sess, r.PostFormValue("csrf")) {
		h.errorPage(w, http.StatusForbidden, "Missing or invalid CSRF token; reload the page and start again.")
		return
	}
	req := StartRequest{Playbook: r.PostFormValue("playbook"), Inputs: map[string]any{}, DryRun: r.PostFormValue("dry_run") != "",
		Connection: strings.TrimSpace(r.PostFormValue("connection"))}
	for k, v := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "input_"); ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			req.Inputs[name] = strings.TrimSpace(v[0])
		}
	}
	if a := strings.TrimSpace(r.PostFormValue("alert")); a != "" {
		alert, err := runs.ParseAlert("the alert", []byte(a))
		if err != nil {
			h.errorPage(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		req.Alert = alert
	}
	res, err := h.start(r.Context(), sess.Identity, req)
	if err != nil {
		h.errorPage(w, startStatus(err), err.Error())
		return
	}
	http.Redirect(w, r, "/approvals/"+url.PathEscape(res.WorkflowID), http.StatusSeeOther)
}

// The Run a playbook page joins the approvals pages' templates.
var _ = template.Must(pages.New("start").Parse(`
{{define "start"}}{{template "head" "Run a playbook"}}
<p><a href="/approvals">Pending approvals</a></p>
<h1>Run a playbook</h1>
{{template "who" .Session}}
<ul id="playbooks">{{range .Playbooks}}<li><a href="/runs/new?playbook={{.Name}}">{{.Name}}</a> v{{.Version}}{{with .Description}}: {{.}}{{end}}</li>{{end}}</ul>
{{with .Picked}}
<form method="post" action="/runs" id="start">
<h2>{{.Name}} v{{.Version}}</h2>
<input type="hidden" name="csrf" value="{{$.Session.CSRF}}">
<input type="hidden" name="playbook" value="{{.Name}}">
<table>{{range .Inputs}}<tr><td><label for="input_{{.Name}}"><code>{{.Name}}</code></label></td>
<td><input id="input_{{.Name}}" name="input_{{.Name}}" size="50"{{if .HasDefault}} placeholder="{{.Default}}"{{end}}></td>
<td>{{.Type}}{{if .Required}}, required{{end}}{{with .Allowed}}, one of {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}{{end}}{{with .Description}}: {{.}}{{end}}</td></tr>{{end}}</table>
<p><label>Alert (JSON object, optional)<br><textarea name="alert" rows="6" cols="70"></textarea></label></p>
<p><label>Connection (optional: the Okta org to act on instead of {{with .Connection}}the playbook's, <code>{{.}}</code>{{else}}<code>default</code>{{end}})
<input name="connection" size="20" pattern="[a-z][a-z0-9-]{0,39}"></label></p>
<p><label><input type="checkbox" name="dry_run" value="1"> Dry run (plan only)</label></p>
<p><button type="submit" id="run">Run</button> as <strong>{{$.Session.Login}}</strong>; the start is signed for you.</p>
</form>{{end}}
</body></html>{{end}}`))

// StartVia starts a run through serve's API with the token of cordon
// login; serve signs the start for the signed-in person.
func StartVia(ctx context.Context, t *Token, req StartRequest) (*StartResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Serve+"/v1/runs", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+t.IDToken)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, &APIError{Status: resp.StatusCode, Message: e.Error}
		}
		return nil, &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(b))}
	}
	var res StartResponse
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, err
	}
	return &res, nil
}
