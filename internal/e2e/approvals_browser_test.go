package e2e

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

// e2eSigner is the approvals page's signing key in these tests; the
// stack's worker trusts it (and, like a --dev worker, also takes unsigned
// decisions, which the other tests send).
var (
	e2eSigner    = &signing.Signer{KeyID: "serve-e2e", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	e2eApprovals = workflows.ApprovalPolicy{Keys: signing.Keyring{"serve-e2e": e2eSigner.Key.Public().(ed25519.PublicKey)}}
)

// findBrowser returns a Chromium or Chrome binary, "" when none is
// installed.
func findBrowser() string {
	if p := os.Getenv("CORDON_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a fresh headless Chromium with an empty profile.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// approvalsServer runs cordon serve with the approvals page against the
// stack, signing in on the simulated org.
func (s *stack) approvalsServer(t *testing.T, signer *signing.Signer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	public := "http://" + ln.Addr().String()
	page, err := approvals.New(context.Background(), approvals.Config{Temporal: s.client, Signer: signer,
		Issuer: s.sim.URL() + "/oauth2/default", ClientID: oktasim.DefaultOIDCClientID, PublicURL: public})
	require.NoError(t, err)
	srv, err := serve.New(serve.Config{Insecure: true, Library: s.lib, Approvals: page})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return public
}

// socLead puts a user in the SOC Leads group of the simulated org.
func (s *stack) socLead(t *testing.T, userID string) {
	t.Helper()
	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
	require.NoError(t, err)
	gid, ok := s.sim.Sim().GroupIDByName("SOC Leads")
	if !ok {
		var g struct {
			ID string `json:"id"`
		}
		_, err := oc.Do(context.Background(), http.MethodPost, "/groups", nil,
			map[string]any{"profile": map[string]any{"name": "SOC Leads"}}, &g)
		require.NoError(t, err)
		gid = g.ID
	}
	require.NoError(t, oc.AddUserToGroup(context.Background(), gid, userID))
}

// signIn fills in the simulated org's login form.
func signIn(ctx context.Context, login string) error {
	return chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), login),
		chromedp.SendKeys(chromedp.CSS(`#password`), oktasim.DefaultDevPassword),
		chromedp.Click(chromedp.CSS(`#signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
	)
}

// signInHTTP signs in without a browser, following the same redirects,
// and returns a client holding the session cookie and the CSRF token.
func signInHTTP(t *testing.T, base, login string) (*http.Client, string) {
	t.Helper()
	c := testutil.SignIn(t, base, "/auth/login", login, oktasim.DefaultDevPassword)
	resp, err := c.Get(base + "/approvals")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(readAll(t, resp))
	require.NotNil(t, m, "the page carries a CSRF token")
	return c, m[1]
}

// TestApprovalsPageInABrowser: an approver signs in on the simulated org,
// sees the pending approval with its targets, approves, and the run
// completes with a signed decision; a user outside approvers sees no
// Approve button, and forged POSTs are refused.
func TestApprovalsPageInABrowser(t *testing.T) {
	path := findBrowser()
	if path == "" {
		t.Skip("SKIPPED LOUDLY: no Chromium found (install Debian's chromium package, or set CORDON_CHROMIUM); the approvals page was NOT tested in a browser")
	}
	s := getStackAlone(t)
	people := s.takeUsers(t, 3)
	lead, target, outsider := people[0], people[1], people[2]
	s.socLead(t, lead.ID)
	base := s.approvalsServer(t, e2eSigner)

	id := s.start(t, runs.Request{Playbook: s.load(t, "approval-soc.yaml"), Inputs: map[string]any{"login": target.Login}, StartedBy: "alice"})
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait for approval")

	section := fmt.Sprintf(`section[data-run=%q][data-step="approve"]`, id)
	ctx := browser(t, path)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/approvals")))
	require.NoError(t, signIn(ctx, lead.Login))
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#login`)))
	require.NoError(t, err)
	assert.Equal(t, lead.Login, who)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(section))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(section)))
	require.NoError(t, err)
	assert.Contains(t, text, "Deactivate "+target.Login+"?")
	assert.Contains(t, text, target.ID+" "+target.Login+" ACTIVE", "the target with login and status")
	assert.Contains(t, text, "Approvers: group:SOC Leads")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(section+` input[name="comment"]`), "confirmed in the browser"),
		chromedp.Click(chromedp.CSS(section+` button.approve`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash, .error`)),
	))
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash, .error`)))
	require.NoError(t, err)
	assert.Equal(t, "Step approve of "+id+" approved by "+lead.Login+".", flash)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	rec := stepOf(st, "approve").Approval
	assert.Equal(t, lead.Login, rec.Approver)
	assert.Equal(t, "confirmed in the browser", rec.Comment)
	assert.Equal(t, "serve-e2e", rec.SignedWith, "cordon serve signed the decision")
	assert.Equal(t, "DEPROVISIONED", s.user(t, target.ID).Status)
	out, stderr, code := s.cli(t, "status", id)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "approved by "+lead.Login+" at ")
	assert.Contains(t, out, `: "confirmed in the browser" (signed, key serve-e2e)`)

	// Someone outside approvers sees the approval but no Approve button.
	target2 := s.takeUsers(t, 1)[0]
	id2 := s.start(t, runs.Request{Playbook: s.load(t, "approval-soc.yaml"), Inputs: map[string]any{"login": target2.Login}, StartedBy: "alice"})
	require.Eventually(t, func() bool { return s.stateOf(t, id2) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the second run to wait")
	section2 := fmt.Sprintf(`section[data-run=%q][data-step="approve"]`, id2)
	octx := browser(t, path)
	require.NoError(t, chromedp.Do(octx, chromedp.Navigate(base+"/approvals")))
	require.NoError(t, signIn(octx, outsider.Login))
	require.NoError(t, chromedp.Do(octx, chromedp.WaitVisible(chromedp.CSS(section2+` .not-approver`))))
	buttons, err := chromedp.Run(octx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, section2+" button")))
	require.NoError(t, err)
	assert.Zero(t, buttons, "no Approve or Reject button for a non-approver")

	// Forged POSTs: no session, a session without its CSRF token, an
	// altered session, and a well-formed one from someone the worker
	// refuses.
	c, csrf := signInHTTP(t, base, outsider.Login)
	post := func(c *http.Client, token string) (int, string) {
		resp, err := c.PostForm(base+"/approvals/"+id2+"/approve", url.Values{"decision": {"approve"}, "csrf": {token}})
		require.NoError(t, err)
		return resp.StatusCode, readAll(t, resp)
	}
	code, body := post(&http.Client{}, csrf)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, body, "Sign in first.")
	code, body = post(c, "")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "Missing or invalid CSRF token")
	code, body = post(c, csrf)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "refused: "+outsider.Login+" may not decide step approve (approvers: group:SOC Leads)")
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cordon_session" {
			ck.Value = "e30" + ck.Value[3:] // {} instead of the signed session
			c.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	code, _ = post(c, csrf)
	assert.Equal(t, http.StatusUnauthorized, code, "an altered session cookie is no session")

	assert.Equal(t, workflows.StateWaitingApproval, s.stateOf(t, id2), "nothing was decided")
	assert.Equal(t, "ACTIVE", s.user(t, target2.ID).Status)
	require.NoError(t, runs.Cancel(context.Background(), s.client, id2))
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
