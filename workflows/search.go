package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Cordon's custom search attributes, defined here only: the worker hands
// SearchAttributes to the embedded server (internal/devserver), and
// docs/operations.md says how to register them on a cluster.
var (
	SearchPlaybook = temporal.NewSearchAttributeKeyKeyword("CordonPlaybook")
	SearchAlertID  = temporal.NewSearchAttributeKeyKeyword("CordonAlertID")
	SearchTarget   = temporal.NewSearchAttributeKeyKeywordList("CordonTarget")
	SearchDryRun   = temporal.NewSearchAttributeKeyBool("CordonDryRun")
	// SearchState is the run's state as Cordon sees it (visible.go): the
	// run statuses plus waiting_approval and planned.
	SearchState = temporal.NewSearchAttributeKeyKeyword("CordonState")
	// SearchConnection is the run's connection (connection.go): the Okta
	// org its steps act on unless a step names another.
	SearchConnection = temporal.NewSearchAttributeKeyKeyword("CordonConnection")
)

// SearchAttributes returns Cordon's custom search attributes by name with
// their types, for registering them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKey{SearchPlaybook, SearchAlertID, SearchTarget, SearchDryRun, SearchState, SearchConnection} {
		out[k.GetName()] = k.GetValueType()
	}
	return out
}
