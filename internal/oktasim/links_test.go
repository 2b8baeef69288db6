package oktasim

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hrefs collects every href of an _links object (single links and lists
// such as a group's logos).
func hrefs(links map[string]any) map[string]string {
	out := map[string]string{}
	for name, v := range links {
		switch l := v.(type) {
		case map[string]any:
			out[name], _ = l["href"].(string)
		case []any:
			for _, item := range l {
				m, _ := item.(map[string]any)
				n, _ := m["name"].(string)
				out[name+"/"+n], _ = m["href"].(string)
			}
		}
	}
	return out
}

// TestGroupLinksAreServed: every link of every kind of group answers 200
// (issue 26: apps and logo were advertised but 404).
func TestGroupLinksAreServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, id := range []string{DemoEveryoneGroupID, DemoEngineeringGroupID, DemoAppGroupID} {
		g := h.do("GET", "/api/v1/groups/"+id, nil)
		require.Equal(t, http.StatusOK, g.status)
		links := hrefs(g.obj()["_links"].(map[string]any))
		assert.Contains(t, links, "apps")
		assert.Contains(t, links, "logo/medium")
		for name, href := range links {
			req := h.request("GET", h.pathOf(href), nil)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s link %s of %s", name, href, id)
			if name == "logo/medium" {
				assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			}
		}
	}
	apps := h.do("GET", "/api/v1/groups/"+DemoEngineeringGroupID+"/apps", nil)
	require.Len(t, apps.arr(), 1)
	assert.Equal(t, DemoAWSAppID, apps.arr()[0].(map[string]any)["id"])
	page := h.do("GET", "/api/v1/groups/"+DemoEveryoneGroupID+"/apps?limit=1&after="+DemoGoogleAppID, nil)
	assert.Empty(t, page.arr(), "Everyone has one app: Google Workspace")
	expectError(t, h.do("GET", "/api/v1/groups/00gnope0000000000x7/apps", nil), 404, "E0000007")
}

// TestFactorSelfLinkIsServed: a factor's self link answers GET with the
// factor (issue 26: 405), and its user link the user.
func TestFactorSelfLinkIsServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	fs := h.do("GET", "/api/v1/users/"+DemoActiveUserID+"/factors", nil).arr()
	require.NotEmpty(t, fs)
	for _, v := range fs {
		f := v.(map[string]any)
		links := f["_links"].(map[string]any)
		self := h.do("GET", h.pathOf(links["self"].(map[string]any)["href"].(string)), nil)
		require.Equal(t, http.StatusOK, self.status, "%s", self.raw)
		assert.Equal(t, f, self.obj())
		assert.Equal(t, http.StatusOK, h.do("GET", h.pathOf(links["user"].(map[string]any)["href"].(string)), nil).status)
	}
	expectError(t, h.do("GET", "/api/v1/users/"+DemoActiveUserID+"/factors/mblnope", nil), 404, "E0000007")
}

// TestUsersCarryRealmID: every user answer carries realmId, single and
// listed (every recorded user of an org that has realms does:
// recordings/TestAccDataSourceOktaUsers_read).
func TestUsersCarryRealmID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	one := h.do("GET", "/api/v1/users/"+DemoActiveUserID, nil).obj()
	realm, _ := one["realmId"].(string)
	assert.Regexp(t, `^guo[0-9A-Za-z]{17}$`, realm)
	for _, u := range h.do("GET", "/api/v1/users?limit=5", nil).arr() {
		assert.Equal(t, realm, u.(map[string]any)["realmId"])
	}
}

// TestPostWithoutLengthIs411: a POST or PUT with neither Content-Length
// nor a body answers 411 ("Any PUT or POST request without a
// Content-Length header or a body returns a 411 error"); an empty body
// announced with Content-Length: 0 is fine.
func TestPostWithoutLengthIs411(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	raw := func(method, path, lengthHeader string) int {
		conn := dialRaw(t, h.srv.URL())
		defer conn.Close()
		req := method + " " + path + " HTTP/1.1\r\nHost: sim\r\nAuthorization: SSWS " + testToken + "\r\nAccept: application/json\r\n" + lengthHeader + "Connection: close\r\n\r\n"
		return rawStatus(t, conn, req)
	}
	path := "/api/v1/users/" + DemoLockedUserID + "/lifecycle/unlock"
	assert.Equal(t, http.StatusLengthRequired, raw("POST", path, ""))
	assert.Equal(t, http.StatusLengthRequired, raw("PUT", "/api/v1/groups/"+DemoEngineeringGroupID+"/users/"+DemoStagedUserID, ""))
	u, _ := h.sim.User(DemoLockedUserID)
	assert.Equal(t, "LOCKED_OUT", u.Status, "a refused request changes nothing")
	assert.Equal(t, http.StatusOK, raw("POST", path, "Content-Length: 0\r\n"))
	assert.Equal(t, http.StatusOK, raw("GET", "/api/v1/users/me", ""), "GET needs no length")
}

// dialRaw opens a plain TCP connection to the sim, for requests Go's
// client would not send (a POST without Content-Length).
func dialRaw(t *testing.T, base string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	return conn
}

func rawStatus(t *testing.T, conn net.Conn, req string) int {
	t.Helper()
	_, err := conn.Write([]byte(req))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
