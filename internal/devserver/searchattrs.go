package devserver

import (
	"context"
	"fmt"
	"maps"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// Cordon's custom search attributes. The workflow starter sets them on every
// playbook run so analysts can filter runs in the UI and in `cordon list`
// (e.g. `CordonPlaybook = "contain-compromised-user"`).
const (
	SearchAttrPlaybook = "CordonPlaybook" // Keyword: playbook name
	SearchAttrAlertID  = "CordonAlertID"  // Keyword: id of the alert that started the run
	SearchAttrTarget   = "CordonTarget"   // KeywordList: users and IPs the run acted on
	SearchAttrDryRun   = "CordonDryRun"   // Bool: run was a plan / --dry-run
	SearchAttrState    = "CordonState"    // Keyword: running, waiting_approval, succeeded, failed, rejected, cancelled, planned
)

// SearchAttributes returns Cordon's custom search attributes and their
// types. A production cluster needs the same set; see README.md
// ("Search attributes") for the `temporal operator` command.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchAttrPlaybook: enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchAttrAlertID:  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchAttrTarget:   enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SearchAttrDryRun:   enumspb.INDEXED_VALUE_TYPE_BOOL,
		SearchAttrState:    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// ensureSearchAttributes adds any of SearchAttributes missing from an
// existing database, so a .cordon/temporal.db made by an older build keeps
// working after an upgrade adds an attribute.
func (s *Server) ensureSearchAttributes(ctx context.Context) error {
	c, err := s.NewClient(ctx, client.Options{})
	if err != nil {
		return fmt.Errorf("connecting to embedded server: %w", err)
	}
	defer c.Close()
	have, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("listing search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(SearchAttributes())) {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = SearchAttributes()[name]
		}
	}
	if len(missing) == 0 {
		return nil
	}
	s.logger.Info("adding search attributes to existing database", "attributes", slices.Sorted(maps.Keys(missing)))
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("adding search attributes: %w", err)
	}
	return nil
}
