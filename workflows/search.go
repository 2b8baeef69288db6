package workflows

import "go.temporal.io/sdk/temporal"

// Cordon's custom search attributes; internal/devserver registers them and
// docs/operations.md says how to register them on a cluster.
var (
	SearchPlaybook = temporal.NewSearchAttributeKeyKeyword("CordonPlaybook")
	SearchAlertID  = temporal.NewSearchAttributeKeyKeyword("CordonAlertID")
	SearchTarget   = temporal.NewSearchAttributeKeyKeywordList("CordonTarget")
	SearchDryRun   = temporal.NewSearchAttributeKeyBool("CordonDryRun")
	// SearchState is the run's state as Cordon sees it (visible.go): the
	// run statuses plus waiting_approval and planned.
	SearchState = temporal.NewSearchAttributeKeyKeyword("CordonState")
)
