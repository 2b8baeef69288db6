package approvals

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// Register adds the approvals routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /approvals", h.listPage)
	mux.HandleFunc("GET /approvals/{run}", h.runPage)
	mux.HandleFunc("POST /approvals/{run}/{step}", h.decideForm)
	mux.HandleFunc("GET /v1/approvals", h.listAPI)
	mux.HandleFunc("POST /v1/approvals/{run}/{step}", h.decideAPI)
	mux.HandleFunc("GET /auth/login", h.login)
	mux.HandleFunc("GET /auth/callback", h.callback)
	mux.HandleFunc("POST /auth/logout", h.logout)
	mux.HandleFunc("GET /v1/auth/config", h.authConfig)
	mux.HandleFunc("POST /v1/runs", h.startAPI)
	mux.HandleFunc("GET /runs/new", h.startPage)
	mux.HandleFunc("POST /runs", h.startForm)
}

// signedIn returns the page viewer's session, or sends them to sign in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (*session, bool) {
	sess, ok := h.cookies.session(r)
	if !ok {
		http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	}
	return sess, ok
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	list, err := h.pending(r.Context(), sess.Identity)
	if err != nil {
		h.errorPage(w, http.StatusBadGateway, err.Error())
		return
	}
	h.render(w, http.StatusOK, "list", map[string]any{"Session": sess, "Pending": list, "Flash": h.flash(r)})
}

func (h *Handler) runPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	st, err := h.runStatus(r.Context(), r.PathValue("run"))
	if err != nil {
		h.errorPage(w, http.StatusNotFound, "No run "+r.PathValue("run")+": "+err.Error())
		return
	}
	h.render(w, http.StatusOK, "run", map[string]any{"Session": sess, "Run": st,
		"Pending": h.pendingOf(st, "", sess.Identity), "Flash": h.flash(r)})
}

// decideForm takes a decision from the page. The CSRF token must match
// the session's; the worker then checks approvers and four eyes.
func (h *Handler) decideForm(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.cookies.session(r)
	if !ok {
		h.errorPage(w, http.StatusUnauthorized, "Sign in first.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !validCSRF(sess, r.PostFormValue("csrf")) {
		h.errorPage(w, http.StatusForbidden, "Missing or invalid CSRF token; reload the page and decide again.")
		return
	}
	run, step := r.PathValue("run"), r.PathValue("step")
	_, err := h.decide(r.Context(), sess.Identity, run, step, DecisionRequest{Decision: playbook.Decision(r.PostFormValue("decision")),
		Comment: r.PostFormValue("comment"), TargetsSHA256: r.PostFormValue("targets_sha256")})
	if err != nil {
		status, msg := errStatus(err)
		h.errorPage(w, status, msg)
		return
	}
	http.Redirect(w, r, "/approvals?"+url.Values{"decided": {run}, "step": {step}}.Encode(), http.StatusSeeOther)
}

// flash is the note after a decision: built from the decision the run
// recorded (?decided=RUN&step=STEP), never from text in the URL, so a
// link cannot make the page say anything.
func (h *Handler) flash(r *http.Request) string {
	run, step := r.URL.Query().Get("decided"), r.URL.Query().Get("step")
	if run == "" || step == "" {
		return ""
	}
	st, err := h.runStatus(r.Context(), run)
	if err != nil {
		return ""
	}
	for _, s := range st.Steps {
		if s.ID == step && s.Approval != nil {
			return "Step " + s.ID + " of " + st.WorkflowID + " " + string(s.Approval.Decision) + " by " + s.Approval.Approver + "."
		}
	}
	return ""
}

func (h *Handler) errorPage(w http.ResponseWriter, status int, msg string) {
	h.render(w, status, "error", map[string]any{"Error": msg, "Status": status})
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.cfg.Logger.Error("rendering the approvals page", "page", name, "error", err)
	}
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": func(t *time.Time) string {
		if t == nil {
			return "none (waits until decided or cancelled)"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"at":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"withCSRF": func(p Pending, csrf string) approvalView { return approvalView{Pending: p, CSRF: csrf} },
	"starter":  workflows.StarterText,
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}} · Cordon</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
.approval{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
.flash{background:#eef7ee;padding:.5rem}.error{background:#fbeaea;padding:.5rem}
code{background:#f4f4f4;padding:0 .2rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left}
</style></head><body>{{end}}

{{define "who"}}<p>Signed in as <strong id="login">{{.Login}}</strong>{{with .Groups}} (groups: {{range $i, $g := .}}{{if $i}}, {{end}}{{$g}}{{end}}){{end}}.</p>{{end}}

{{define "logout"}}<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Sign out</button></form>{{end}}

{{define "approval"}}
<section class="approval" id="approval-{{.Run}}-{{.Step}}" data-run="{{.Run}}" data-step="{{.Step}}">
<h2><a href="/approvals/{{.Run}}">{{.Run}}</a> · step <code>{{.Step}}</code></h2>
<p>Playbook <strong>{{.Playbook}}</strong>{{with .AlertID}}, alert <code>{{.}}</code>{{end}}, started {{at .Started}}{{with .StartedBy}} by <span class="started-by">{{.}}</span>{{end}}.</p>
<p class="message">{{.Message}}</p>
{{if .Targets}}<p>Targets{{with .ForStep}} of step <code>{{.}}</code>{{end}} ({{len .Targets}}):</p>
<ul class="targets">{{range .Lines}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .ConnectionsLine}}<p class="connections">This approval {{.}}.</p>{{end}}
<p>Approvers: {{if .Approvers}}{{range $i, $a := .Approvers}}{{if $i}}, {{end}}{{$a}}{{end}}{{else}}anyone except the run's starter{{end}}.
Deadline: {{when .Deadline}}{{with .OnTimeout}}, then {{.}}{{end}}.</p>
{{if .CanDecide}}
<form method="post" action="/approvals/{{.Run}}/{{.Step}}" class="decide">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="targets_sha256" value="{{.TargetsSHA256}}">
<label>Comment <input name="comment" size="60"></label>
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="reject">Reject</button>
</form>
{{else if .IsStarter}}<p class="starter">You started this run, so a second person decides this step (four eyes).</p>
{{else}}<p class="not-approver">You are not on this step's approvers list.</p>{{end}}
</section>
{{end}}

{{define "list"}}{{template "head" "Pending approvals"}}
<h1>Pending approvals</h1>
{{template "who" .Session}}{{template "logout" .Session}}
{{with .Flash}}<p class="flash" role="status">{{.}}</p>{{end}}
{{$csrf := .Session.CSRF}}
{{range .Pending}}{{template "approval" (withCSRF . $csrf)}}{{else}}<p id="none">No approval is pending.</p>{{end}}
</body></html>{{end}}

{{define "run"}}{{template "head" .Run.WorkflowID}}
<p><a href="/approvals">All pending approvals</a></p>
<h1>{{.Run.WorkflowID}}</h1>
{{template "who" .Session}}
{{with .Flash}}<p class="flash" role="status">{{.}}</p>{{end}}
<p>Playbook <strong>{{.Run.Playbook}}</strong> v{{.Run.Version}}, status <strong id="status">{{.Run.Status}}</strong>, started {{at .Run.StartedAt}}{{with starter .Run}} by <span id="started-by">{{.}}</span>{{end}}.</p>
<table><tr><th>step</th><th>kind</th><th>status</th><th>decision</th></tr>
{{range .Run.Steps}}<tr><td><code>{{.ID}}</code></td><td>{{if .Action}}{{.Action}}{{else}}{{.Kind}}{{end}}</td><td>{{.Status}}</td>
<td>{{with .Approval}}{{.Decision}} by {{.Approver}} at {{at .At}}{{with .Comment}}: “{{.}}”{{end}}{{if .SignedWith}} (signed, key {{.SignedWith}}){{end}}{{end}}</td></tr>{{end}}
</table>
{{$csrf := .Session.CSRF}}
{{range .Pending}}{{template "approval" (withCSRF . $csrf)}}{{end}}
</body></html>{{end}}

{{define "error"}}{{template "head" "Error"}}
<h1>Approvals</h1><p class="error" role="alert">{{.Error}}</p><p><a href="/approvals">Back to the pending approvals</a></p>
</body></html>{{end}}
`))

// withCSRF pairs an approval with the session's CSRF token for its form.
type approvalView struct {
	Pending
	CSRF string
}
