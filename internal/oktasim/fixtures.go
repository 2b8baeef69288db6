package oktasim

// Well-known fixtures. The system zones and the admin exist in every seed
// (a fresh Okta org has them); the others exist in the demo seed only.
const (
	// DemoDomain is the demo tenant's email domain.
	DemoDomain = "acme.com"

	// DemoAdminID / DemoAdminLogin: ACTIVE super administrator (IT) who
	// owns the API token, so GET /api/v1/users/me returns this user.
	DemoAdminID    = "00uadm1nS4mR1vera0x7"
	DemoAdminLogin = "sam.rivera@acme.com"

	// DemoActiveUserID / DemoActiveUserLogin: ACTIVE engineer, member of
	// Engineering and AD-VPN-Users; in the log she signs in from the US and,
	// within the last 24 hours, from Lagos, Nigeria (DemoUnusualCountryIP).
	DemoActiveUserID    = "00ujan3D0eAcmeU5r0x7"
	DemoActiveUserLogin = "jane.doe@acme.com"

	// DemoStagedUserID / DemoStagedUserLogin: STAGED new hire, no password.
	DemoStagedUserID    = "00ust4gedOl1v1aCh0x7"
	DemoStagedUserLogin = "olivia.chen@acme.com"

	// DemoDeprovisionedUserID / DemoDeprovisionedUserLogin: DEPROVISIONED leaver.
	DemoDeprovisionedUserID    = "00udepr0vM4rkTayl0x7"
	DemoDeprovisionedUserLogin = "mark.taylor@acme.com"

	// DemoLockedUserID / DemoLockedUserLogin: LOCKED_OUT by the password
	// spraying from DemoAttackerIP (the log has the user.account.lock event).
	DemoLockedUserID    = "00ul0ckedV1ct0rLe0x7"
	DemoLockedUserLogin = "victor.lee@acme.com"

	// Groups.
	DemoEveryoneGroupID    = "00geveryone0Bu1lt0x7" // BUILT_IN "Everyone"
	DemoEngineeringGroupID = "00geng1neer1ngGrp0x7" // OKTA_GROUP "Engineering"
	DemoITAdminsGroupID    = "00gitAdm1nsGr0up00x7" // OKTA_GROUP "IT Admins"
	DemoAppGroupID         = "00gappGrpVpnUsers0x7" // APP_GROUP "AD-VPN-Users" (read-only memberships)

	// Applications (demo only): Google Workspace is assigned to Everyone,
	// AWS Console to Engineering and IT Admins, Salesforce.com to Sales.
	DemoGoogleAppID     = "0oag00gleW0rkspac0x7"
	DemoAWSAppID        = "0oaawsC0ns0le0000x7a"
	DemoSalesforceAppID = "0oasalesf0rce0000x7b"

	// Network zones. The four system zones exist in every seed.
	DemoLegacyIPZoneID        = "nzolegacyIpZ0ne010x7" // LegacyIpZone, IP, POLICY
	DemoBlockedIPZoneID       = "nzoblockedIpZ0ne10x7" // BlockedIpZone, IP, BLOCKLIST, gateways null
	DemoEnhancedDynamicZoneID = "nzoenhancedDynZn10x7" // DefaultEnhancedDynamicZone, DYNAMIC_V2
	DemoExemptIPZoneID        = "nzoexemptIpZ0ne010x7" // DefaultExemptIpZone, IP, POLICY
	DemoPolicyZoneID          = "nzocorpOff1cesZn10x7" // "Corporate Offices", IP, POLICY (demo only)
	DemoPolicyZoneName        = "Corporate Offices"
	DemoCorpCIDR              = "198.51.100.0/24" // Corporate Offices gateway; normal sign-ins come from here

	// DemoAttackerIP made about 180 failed sign-ins (user.session.start,
	// FAILURE, INVALID_CREDENTIALS) against many users in the last 24 hours.
	DemoAttackerIP = "185.220.101.47"
	// DemoUnusualCountryIP: successful sessions for DemoActiveUserLogin from
	// Lagos, Nigeria in the last 24 hours.
	DemoUnusualCountryIP = "102.89.34.12"
)

// System zone names, as Okta names them.
const (
	LegacyIPZoneName           = "LegacyIpZone"
	BlockedIPZoneName          = "BlockedIpZone"
	DefaultEnhancedDynamicName = "DefaultEnhancedDynamicZone"
	DefaultExemptIPZoneName    = "DefaultExemptIpZone"
)
