package oktasim

import (
	"fmt"
	"time"
)

type place struct {
	city, state, country, postal string
	lat, lon                     float64
	ip                           string
	asOrg, isp                   string
	asn                          int
}

// Where ordinary sign-ins come from: the office range and US home ISPs.
var usualPlaces = []place{
	{"San Francisco", "California", "United States", "94105", 37.7897, -122.3942, "198.51.100.%d", "acme corp", "acme corp", 64500},
	{"Oakland", "California", "United States", "94612", 37.8044, -122.2712, "73.162.%d.20", "comcast", "comcast cable", 7922},
	{"Austin", "Texas", "United States", "78701", 30.2711, -97.7437, "99.104.%d.7", "at&t", "at&t services", 7018},
	{"New York", "New York", "United States", "10013", 40.7209, -74.0047, "68.173.%d.90", "charter", "spectrum", 11351},
}

var (
	attackerPlace = place{"Frankfurt am Main", "Hesse", "Germany", "60313", 50.1109, 8.6821, DemoAttackerIP, "tor exit", "hosting provider", 208294}
	lagosPlace    = place{"Lagos", "Lagos", "Nigeria", "100001", 6.4550, 3.3841, DemoUnusualCountryIP, "mtn nigeria", "mtn nigeria", 29465}
)

var apps = []string{"Slack", "Salesforce", "GitHub", "Zoom", "Workday", "Google Workspace", "Jira"}

var browsers = []struct{ ua, os, browser string }{
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Mac OS X", "CHROME"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Windows 10", "EDGE"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "iOS", "SAFARI"},
}

// seedDemoEvents writes about 2,000 events over the last seven days,
// including a password spray from DemoAttackerIP that locks out
// DemoLockedUserLogin and sessions for DemoActiveUserLogin from Nigeria.
func seedDemoEvents(o *org, now time.Time, jane, staged, gone, locked *user) {
	ids := o.ids
	var active []*user
	for _, u := range o.userOrder {
		if u.status == statusActive {
			active = append(active, u)
		}
	}
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	randomTime := func() time.Time { return now.Add(-time.Duration(1+ids.intn(int(week))) * time.Millisecond) }
	usual := func() (place, string) {
		p := usualPlaces[ids.intn(len(usualPlaces))]
		return p, fmt.Sprintf(p.ip, 1+ids.intn(250))
	}
	add := func(at time.Time, u *user, p place, ip, typ, msg, result string, reason any, targets ...map[string]any) {
		o.addEvent(userEvent(o, u, p, ip, typ, msg, result, reason, targets), at)
	}

	for i := 0; i < 1000; i++ {
		u := active[ids.intn(len(active))]
		p, ip := usual()
		at := randomTime()
		add(at, u, p, ip, "user.session.start", "User login to Okta", "SUCCESS", nil)
		if i%2 == 0 {
			app := apps[ids.intn(len(apps))]
			add(at.Add(20*time.Second), u, p, ip, "user.authentication.sso", "User single sign on to app", "SUCCESS", nil, appTarget(app))
		}
		if i%5 == 0 {
			add(at.Add(4*time.Hour), u, p, ip, "user.session.end", "User logout from Okta", "SUCCESS", nil)
		}
		if i%25 == 0 {
			add(at.Add(5*time.Second), u, p, ip, "user.authentication.auth_via_mfa", "Authentication of user via MFA", "SUCCESS", nil)
		}
	}
	for i := 0; i < 60; i++ { // everyday typos
		u := active[ids.intn(len(active))]
		p, ip := usual()
		add(randomTime(), u, p, ip, "user.session.start", "User login to Okta", "FAILURE", "INVALID_CREDENTIALS")
	}

	// Password spray: ~180 failures from one IP over two hours, 3-5 hours ago.
	sprayStart := now.Add(-5 * time.Hour)
	for i := 0; i < 180; i++ {
		u := active[ids.intn(len(active))]
		if i%6 == 0 {
			u = locked
		}
		at := sprayStart.Add(time.Duration(i) * 40 * time.Second)
		add(at, u, attackerPlace, DemoAttackerIP, "user.session.start", "User login to Okta", "FAILURE", "INVALID_CREDENTIALS")
	}
	add(now.Add(-3*time.Hour), locked, attackerPlace, DemoAttackerIP, "user.account.lock", "Max sign in attempts exceeded", "FAILURE", "LOCKED_OUT")
	for i := 0; i < 3; i++ {
		add(sprayStart.Add(time.Duration(i)*30*time.Minute), nil, attackerPlace, DemoAttackerIP, "security.threat.detected",
			"Request from suspicious actor", "DENY", "Password Spray")
	}

	// Impossible travel: Jane signs in from Lagos about two hours ago.
	for i := 0; i < 3; i++ {
		at := now.Add(-2*time.Hour + time.Duration(i)*10*time.Minute)
		add(at, jane, lagosPlace, DemoUnusualCountryIP, "user.session.start", "User login to Okta", "SUCCESS", nil)
		add(at.Add(30*time.Second), jane, lagosPlace, DemoUnusualCountryIP, "user.authentication.sso", "User single sign on to app", "SUCCESS", nil, appTarget("Salesforce"))
	}
	p, ip := usual()
	add(now.Add(-26*time.Hour), jane, p, ip, "user.session.start", "User login to Okta", "SUCCESS", nil)

	// Admin history.
	o.audit(staged.created, "user.lifecycle.create", "Create Okta user", userTarget(staged))
	o.audit(gone.statusChanged, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(gone))
	for i := 0; i < 12; i++ {
		u := active[ids.intn(len(active))]
		o.audit(randomTime(), "user.account.reset_password", "Fired when the user's Okta password is reset", userTarget(u))
	}
}

func userEvent(o *org, u *user, p place, ip, typ, msg, result string, reason any, targets []map[string]any) map[string]any {
	b := browsers[o.ids.intn(len(browsers))]
	client := map[string]any{
		"userAgent": map[string]any{"rawUserAgent": b.ua, "os": b.os, "browser": b.browser},
		"zone":      "null", "device": "Computer", "id": nil, "ipAddress": ip,
		"geographicalContext": geoContext(p.city, p.state, p.country, p.postal, p.lat, p.lon),
	}
	actor := map[string]any{"id": "unknown", "type": "User", "alternateId": "unknown", "displayName": "Unknown", "detailEntry": nil}
	if u != nil {
		actor = map[string]any{"id": u.id, "type": "User", "alternateId": u.login(), "displayName": displayName(u), "detailEntry": nil}
	}
	tg := make([]any, 0, len(targets))
	for _, t := range targets {
		tg = append(tg, t)
	}
	ev := baseEvent(typ, msg, result, reason, actor, client, tg)
	ev["securityContext"] = map[string]any{"asNumber": p.asn, "asOrg": p.asOrg, "isp": p.isp, "domain": nil, "isProxy": p.ip == DemoAttackerIP}
	sid := "idx" + o.ids.token(22)
	ev["authenticationContext"] = map[string]any{"authenticationProvider": nil, "credentialProvider": nil, "credentialType": nil,
		"issuer": nil, "interface": nil, "authenticationStep": 0, "rootSessionId": sid, "externalSessionId": sid}
	ev["debugContext"] = map[string]any{"debugData": map[string]any{"requestId": o.ids.token(26), "requestUri": "/idp/idx/identify", "url": "/idp/idx/identify?"}}
	ev["transaction"] = map[string]any{"type": "WEB", "id": o.ids.token(26), "detail": map[string]any{}}
	return ev
}

func appTarget(app string) map[string]any {
	return map[string]any{"id": "0oa" + fmt.Sprintf("%014x", len(app)*7919) + "0x7", "type": "AppInstance", "alternateId": app, "displayName": app, "detailEntry": nil}
}
