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

// ensureSearchAttributes adds any of Options.SearchAttributes missing from an
// existing database, so a .cordon/temporal.db made by an older build keeps
// working after an upgrade adds an attribute. On PostgreSQL it registers
// them all the first time, as `temporal operator search-attribute create`.
func (s *Server) ensureSearchAttributes(ctx context.Context, c client.Client) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("listing search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(s.searchAttrs)) {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = s.searchAttrs[name]
		}
	}
	if len(missing) == 0 {
		return nil
	}
	s.logger.Info("adding search attributes", "attributes", slices.Sorted(maps.Keys(missing)))
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("adding search attributes: %w", err)
	}
	return nil
}
