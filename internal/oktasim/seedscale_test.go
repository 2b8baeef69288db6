package oktasim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeedHundredThousandUsers checks the seeding knob the org-scale tests
// use: 100,000 generated users in five departments of 20,000, searchable
// by department.
func TestSeedHundredThousandUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("scale")
	}
	sim, err := New(Options{Token: "t", Seed: SeedEmpty, Users: 100000,
		UserDepartments: []string{"Finance", "Engineering", "Sales", "Marketing", "Operations"}, Limits: map[string]int{BucketUsers: 0}})
	require.NoError(t, err)
	u, ok := sim.User("user099999@bench." + DemoDomain)
	require.True(t, ok)
	assert.Equal(t, "Operations", u.Profile["department"])

	q := url.Values{"search": {`profile.department eq "Finance"`}, "limit": {"200"}}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/users?"+q.Encode(), nil)
	req.Header.Set("Authorization", "SSWS t")
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, strings.Join(rec.Header().Values("Link"), ", "), `rel="next"`)
}
