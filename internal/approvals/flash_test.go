package approvals

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFlashNotReflected: the page's note after a decision never comes
// from text in the URL (a link to ?flash=... once made the page say it).
func TestFlashNotReflected(t *testing.T) {
	t.Parallel()
	h := &Handler{}
	for _, q := range []string{"flash=Your+account+is+locked.+Call+555-0100", "flash=%3Cb%3Ehi%3C/b%3E", "decided=run-1", "step=approve"} {
		assert.Empty(t, h.flash(httptest.NewRequest("GET", "/approvals?"+q, nil)), q)
	}
}
