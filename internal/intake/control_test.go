package intake

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Each connection's intake has its own workflow id, so its own cursors.
func TestWorkflowIDPerConnection(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "cordon-intake", WorkflowID(""))
	assert.Equal(t, "cordon-intake", WorkflowID("default"))
	assert.Equal(t, "cordon-intake-globex", WorkflowID("globex"))
}
