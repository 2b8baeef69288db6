package healthcheck

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cordonsec/cordon/workflows"
)

// Each connection has its own schedule id, and a check's connection is
// read back from the queue it ran on.
func TestScheduleIDAndQueuePerConnection(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "cordon-health", ScheduleID(""))
	assert.Equal(t, "cordon-health", ScheduleID("default"))
	assert.Equal(t, "cordon-health-globex", ScheduleID("globex"))
	for _, conn := range []string{"default", "globex", "acme-eu"} {
		assert.Equal(t, conn, queueConnection(workflows.ActivityQueue(conn)), conn)
	}
}
