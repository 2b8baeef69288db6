package activities

import (
	"encoding/json"

	"github.com/cordonsec/cordon/activities/okta"
)

// sameZone says whether the zone read back after a zone write whose reply
// was lost holds what was written (action.ReadZone): the name, usage and
// lists a zone write sets. Okta adds fields of its own (id, lastUpdated,
// _links), which are not compared.
func sameZone(got, wrote okta.Zone) bool {
	for _, k := range []string{"name", "usage", "gateways", "proxies", "locations", "asns", "proxyType"} {
		a, _ := json.Marshal(got[k])
		b, _ := json.Marshal(wrote[k])
		if string(a) != string(b) {
			return false
		}
	}
	return true
}
