package oktasim

import (
	"fmt"
	"strings"
	"time"
)

// buildOrg creates the org for a seed. Every org, even "empty", has what a
// fresh Okta org has: the token-owning admin, the Everyone group and the four
// system network zones.
func buildOrg(seed string, extraUsers int, depts []string, now time.Time, ids *idGen) (*org, error) {
	o := newOrg(ids)
	o.userTypeID = "otysim0default00u0x7"
	o.realmID = "guosim0default00r0x7"
	born := now.Add(-2 * 365 * 24 * time.Hour).Truncate(time.Second)

	admin := &user{id: DemoAdminID, status: statusActive, created: born, activated: born, statusChanged: born,
		lastLogin: now.Add(-2 * time.Hour).Truncate(time.Second), lastUpdated: born, passwordChanged: born, provider: "OKTA",
		profile: map[string]any{"firstName": "Sam", "lastName": "Rivera", "login": DemoAdminLogin, "email": DemoAdminLogin,
			"title": "IT Administrator", "department": "IT", "employeeNumber": "1001", "userType": "Employee",
			"city": "San Francisco", "countryCode": "US"}}
	o.addUser(admin)
	o.meID = admin.id
	o.born = born
	o.everyoneID = DemoEveryoneGroupID
	o.addGroup(&group{id: DemoEveryoneGroupID, typ: groupBuiltIn, name: "Everyone", description: "All users in your organization",
		created: born, lastUpdated: born, lastMembershipUpdated: now.Add(-24 * time.Hour).Truncate(time.Second)})
	addSystemZones(o, born)

	if seed == SeedDemo {
		seedDemo(o, now, born)
		seedApps(o)
	}
	if len(depts) == 0 {
		depts = departments
	}
	for i := 0; i < extraUsers; i++ {
		login := fmt.Sprintf("user%06d@bench.%s", i, DemoDomain)
		u := &user{id: ids.object("00u"), status: statusActive, created: born, activated: born, statusChanged: born,
			lastUpdated: born, passwordChanged: born, provider: "OKTA",
			profile: map[string]any{"firstName": "Bench", "lastName": fmt.Sprintf("User%06d", i), "login": login, "email": login,
				"department": depts[i%len(depts)]}}
		o.addUser(u)
	}
	seedIdentity(o)
	return o, nil
}

func addSystemZones(o *org, born time.Time) {
	yes := true
	o.addZone(&zone{id: DemoLegacyIPZoneID, typ: zoneIP, name: LegacyIPZoneName, status: "ACTIVE", usage: "POLICY", system: true,
		created: born, lastUpdated: born})
	o.addZone(&zone{id: DemoBlockedIPZoneID, typ: zoneIP, name: BlockedIPZoneName, status: "ACTIVE", usage: "BLOCKLIST", system: true,
		created: born, lastUpdated: born})
	o.addZone(&zone{id: DemoEnhancedDynamicZoneID, typ: zoneDynamicV2, name: DefaultEnhancedDynamicName, status: "ACTIVE", usage: "BLOCKLIST",
		system: true, created: born, lastUpdated: born,
		v2Services: &incExc[string]{Include: []string{"ALL_ANONYMIZERS"}, Exclude: []string{}}})
	o.addZone(&zone{id: DemoExemptIPZoneID, typ: zoneIP, name: DefaultExemptIPZoneName, status: "ACTIVE", usage: "POLICY", system: true,
		created: born, lastUpdated: born, useAsExemptList: &yes})
}

var departments = []string{"Engineering", "Sales", "Marketing", "Finance", "Human Resources", "IT", "Customer Support", "Legal", "Operations"}

var firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy",
	"Matthew", "Lisa", "Anthony", "Betty", "Priya", "Wei", "Aisha", "Carlos", "Yuki", "Fatima", "Diego", "Anika", "Omar", "Mei"}

var lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White",
	"Harris", "Clark", "Lewis", "Robinson", "Walker", "Patel", "Nguyen", "Kim", "Singh", "Okafor", "Nakamura", "Kowalski"}

var titles = map[string][]string{
	"Engineering":      {"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "SRE"},
	"Sales":            {"Account Executive", "Sales Development Rep", "Regional Sales Director"},
	"Marketing":        {"Marketing Manager", "Content Strategist", "Product Marketing Manager"},
	"Finance":          {"Financial Analyst", "Controller", "Accountant"},
	"Human Resources":  {"HR Business Partner", "Recruiter", "People Operations Lead"},
	"IT":               {"IT Support Specialist", "Systems Administrator", "IT Administrator"},
	"Customer Support": {"Support Engineer", "Customer Success Manager"},
	"Legal":            {"Counsel", "Paralegal"},
	"Operations":       {"Operations Manager", "Office Manager"},
}

// seedDemo builds the demo tenant: ~200 users, 12 groups, a policy zone and
// ~2,000 log events over the last seven days.
func seedDemo(o *org, now, born time.Time) {
	ids := o.ids
	day := 24 * time.Hour
	at := func(ago time.Duration) time.Time { return now.Add(-ago).Truncate(time.Second) }

	groupDefs := []struct{ id, name, desc string }{
		{DemoEngineeringGroupID, "Engineering", "Product and platform engineering"},
		{"", "Sales", "Sales organisation"},
		{"", "Marketing", "Marketing team"},
		{"", "Finance", "Finance and accounting"},
		{"", "Human Resources", "People team"},
		{DemoITAdminsGroupID, "IT Admins", "Okta and IT administrators"},
		{"", "Customer Support", "Support and customer success"},
		{"", "Executives", "Leadership team"},
		{"", "Contractors", "External contractors with limited access"},
		{"", "Legal", "Legal and compliance"},
	}
	byName := map[string]*group{}
	for _, d := range groupDefs {
		id := d.id
		if id == "" {
			id = ids.object("00g")
		}
		g := &group{id: id, typ: groupOkta, name: d.name, description: d.desc, created: born, lastUpdated: born, lastMembershipUpdated: born}
		o.addGroup(g)
		byName[d.name] = g
	}
	vpn := &group{id: DemoAppGroupID, typ: groupApp, name: "AD-VPN-Users", description: "VPN users (imported from Active Directory)",
		created: born, lastUpdated: born, lastMembershipUpdated: born, sourceID: adAppID,
		appProfile: map[string]any{"groupType": "Security", "samAccountName": "AD-VPN-Users", "groupScope": "Global",
			"dn": "CN=AD-VPN-Users,OU=Groups,DC=acme,DC=com", "windowsDomainQualifiedName": "ACME\\AD-VPN-Users",
			"objectSid": "S-1-5-21-3623811015-3361044348-30300820-1013", "externalId": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}}
	o.addGroup(vpn)
	o.addMember(byName["IT Admins"], o.users[DemoAdminID], born)

	mk := func(id, first, last, dept, title, status string, created time.Time) *user {
		login := strings.ToLower(first + "." + last + "@" + DemoDomain)
		if o.loginIndex[login] != nil {
			login = strings.ToLower(fmt.Sprintf("%s.%s%d@%s", first, last, len(o.userOrder), DemoDomain))
		}
		if id == "" {
			id = ids.object("00u")
		}
		u := &user{id: id, status: status, created: created, lastUpdated: created, provider: "OKTA",
			profile: map[string]any{"firstName": first, "lastName": last, "login": login, "email": login,
				"department": dept, "title": title, "userType": "Employee", "countryCode": "US",
				"employeeNumber": fmt.Sprintf("%d", 1001+len(o.userOrder))}}
		if status != statusStaged {
			u.activated, u.statusChanged = created, created
			if status != statusProvisioned {
				u.passwordChanged = created
			}
		}
		if status == statusActive || status == statusLockedOut || status == statusRecovery || status == statusPwExpired {
			u.lastLogin = at(time.Duration(ids.intn(7*24)) * time.Hour)
		}
		o.addUser(u)
		if g := byName[dept]; g != nil {
			o.addMember(g, u, created)
		}
		return u
	}

	jane := mk(DemoActiveUserID, "Jane", "Doe", "Engineering", "Senior Software Engineer", statusActive, at(400*day))
	o.addMember(vpn, jane, jane.created)
	staged := mk(DemoStagedUserID, "Olivia", "Chen", "Marketing", "Product Marketing Manager", statusStaged, at(2*day))
	gone := mk(DemoDeprovisionedUserID, "Mark", "Taylor", "Sales", "Account Executive", statusDeprovisioned, at(500*day))
	gone.statusChanged, gone.lastUpdated = at(3*day), at(3*day)
	locked := mk(DemoLockedUserID, "Victor", "Lee", "Finance", "Controller", statusLockedOut, at(300*day))
	locked.statusChanged, locked.lastUpdated = at(3*time.Hour), at(3*time.Hour)
	admin2 := mk("", "Grace", "Hopper", "IT", "IT Administrator", statusActive, at(700*day))
	o.addMember(byName["IT Admins"], admin2, admin2.created)

	statuses := []string{statusActive, statusActive, statusActive, statusActive, statusActive, statusActive, statusActive,
		statusActive, statusActive, statusActive, statusActive, statusActive, statusActive, statusActive, statusActive, statusActive,
		statusProvisioned, statusStaged, statusDeprovisioned, statusLockedOut, statusSuspended, statusPwExpired, statusRecovery}
	for len(o.userOrder) < 200 {
		dept := departments[ids.intn(len(departments))]
		ts := titles[dept]
		status := statuses[ids.intn(len(statuses))]
		u := mk("", firstNames[ids.intn(len(firstNames))], lastNames[ids.intn(len(lastNames))], dept, ts[ids.intn(len(ts))],
			status, at(time.Duration(30+ids.intn(700))*day))
		switch {
		case dept == "Engineering" && ids.intn(3) == 0:
			o.addMember(vpn, u, u.created)
		case ids.intn(12) == 0:
			o.addMember(byName["Contractors"], u, u.created)
			u.profile["userType"] = "Contractor"
		case strings.Contains(u.profile["title"].(string), "Director") || strings.Contains(u.profile["title"].(string), "Controller"):
			o.addMember(byName["Executives"], u, u.created)
		}
		if u.profile["title"] == "IT Administrator" {
			o.addMember(byName["IT Admins"], u, u.created)
		}
	}

	o.addZone(&zone{id: DemoPolicyZoneID, typ: zoneIP, name: DemoPolicyZoneName, status: "ACTIVE", usage: "POLICY",
		created: born, lastUpdated: born,
		gateways: []zoneAddr{{Type: "CIDR", Value: DemoCorpCIDR}, {Type: "RANGE", Value: "203.0.113.10-203.0.113.20"}}})

	seedDemoEvents(o, now, jane, staged, gone, locked)
	o.sortSeedEvents()
}
