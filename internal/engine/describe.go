package engine

import (
	"context"
	"errors"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Describer names an approval's targets for the people deciding it
// (action.DescribeActivity). It reads at most action.DescribeLimit objects; a
// target it cannot read is listed with why, so one deleted user does not
// hide the others.
type Describer struct{ Okta *okta.Client }

// Describe returns login and status of users, name and status of zones,
// and the bare value of anything else (IP addresses, groups).
func (d Describer) Describe(ctx context.Context, req action.DescribeRequest) ([]action.TargetInfo, error) {
	targets := req.Targets[:min(len(req.Targets), action.DescribeLimit)]
	out := make([]action.TargetInfo, 0, len(targets))
	for _, id := range targets {
		info := action.TargetInfo{ID: id}
		switch req.Kind {
		case action.TargetUsers:
			_, u, err := d.Okta.GetUser(ctx, id)
			if err != nil {
				info.Note = noteFor(err)
				break
			}
			info.Login, info.Status = u.Profile.Login, u.Status
		case action.TargetZones:
			z, err := d.Okta.GetZone(ctx, id)
			if err != nil {
				info.Note = noteFor(err)
				break
			}
			info.Name, info.Status = z.Str("name"), z.Str("status")
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// noteFor says why a target could not be read, in Okta's words; the
// client's errors never carry the token.
func noteFor(err error) string {
	var api *okta.APIError
	if errors.As(err, &api) && api.Code == okta.CodeNotFound {
		return "not found in Okta"
	}
	return "could not be read: " + err.Error()
}
