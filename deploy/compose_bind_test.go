package deploy_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTemporalIsNotPublished: Temporal's frontend and Web UI have no
// authentication of their own in the reference stack, so they listen on
// the host's loopback only unless the operator says otherwise.
func TestTemporalIsNotPublished(t *testing.T) {
	p := loadCompose(t)
	for name, target := range map[string]uint32{"temporal": 7233, "temporal-ui": 8080} {
		s, err := p.GetService(name)
		require.NoError(t, err)
		require.NotEmpty(t, s.Ports, name)
		for _, port := range s.Ports {
			require.Equal(t, target, port.Target, name)
			require.Equal(t, "127.0.0.1", port.HostIP, "%s is published on loopback only", name)
		}
	}
}
