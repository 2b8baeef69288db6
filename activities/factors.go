package activities

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// ListUserFactors lists a user's enrolled factors as Okta's JSON array.
func (a *Activities) ListUserFactors(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ListUserFactors, req)
	if err != nil {
		return nil, err
	}
	factors, err := a.Okta.ListFactors(ctx, p.Str(action.ParamUser))
	return list(act, factors, err)
}

// ResetFactors unenrolls each user's factors: all of them with Okta's
// reset_factors, or those of the given types one by one. The factors are
// read first, so a user without a matching factor is no_factors and a
// repeat does not fail.
func (a *Activities) ResetFactors(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ResetFactors, req)
	if err != nil {
		return nil, err
	}
	// factor_types holds Okta's spellings already (its Enum, action.FactorTypes);
	// none means all.
	types := p.List(action.ParamFactorTypes)
	if len(types) == 0 {
		types = nil
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		raw, err := a.Okta.ListFactors(ctx, id)
		if err != nil {
			return failed(ctx, id, err)
		}
		var match []okta.Factor
		for _, r := range raw {
			var f okta.Factor
			if json.Unmarshal(r, &f) == nil && (types == nil || slices.Contains(types, f.FactorType)) {
				match = append(match, f)
			}
		}
		if len(match) == 0 {
			return done(id, action.OutcomeNoFactors)
		}
		reset := make([]string, 0, len(match))
		sending(ctx)
		if types == nil {
			if err := a.Okta.ResetFactors(ctx, id); err != nil {
				return a.confirm(ctx, act, id, err)
			}
			for _, f := range match {
				reset = append(reset, f.FactorType)
			}
		} else {
			for _, f := range match {
				// A factor gone since the read (a retry, or the user) is
				// what was wanted.
				if err := a.Okta.DeleteFactor(ctx, id, f.ID); err != nil && !okta.IsCode(err, okta.CodeNotFound) {
					return a.confirm(ctx, act, id, err)
				}
				reset = append(reset, f.FactorType)
			}
		}
		r, _ := done(id, action.OutcomeDone)
		r.Data = map[string]any{"reset": reset}
		return r, nil
	})
}
