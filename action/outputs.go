package action

import "reflect"

// The shapes of Okta's objects as the actions return them (Okta's JSON,
// passed through), from Okta's management OpenAPI description: the top
// level of each object is closed, so a misspelt field is an error; the
// parts Okta extends (profiles with custom attributes, log contexts) are
// open.
var (
	oktaUser = named("Okta user", object(
		str("id"), str("status"), str("created"), str("activated"), str("statusChanged"),
		str("lastLogin"), str("lastUpdated"), str("passwordChanged"), str("transitioningToStatus"),
		str("realmId"), anyF("type"),
		f("profile", open(str("login"), str("email"), str("secondEmail"), str("firstName"), str("lastName"),
			str("middleName"), str("displayName"), str("nickName"), str("title"), str("department"),
			str("division"), str("organization"), str("costCenter"), str("employeeNumber"), str("userType"),
			str("manager"), str("managerId"), str("mobilePhone"), str("primaryPhone"), str("city"),
			str("state"), str("countryCode"), str("zipCode"), str("streetAddress"), str("postalAddress"),
			str("locale"), str("timezone"), str("preferredLanguage"), str("profileUrl"),
			str("honorificPrefix"), str("honorificSuffix"))),
		anyF("credentials"), anyF("_embedded"), anyF("_links")))

	oktaGroup = named("Okta group", object(
		str("id"), str("type"), str("created"), str("lastUpdated"), str("lastMembershipUpdated"),
		f("objectClass", listOf(scalar(ShapeString))),
		f("profile", open(str("name"), str("description"))),
		anyF("_embedded"), anyF("_links")))

	zoneAddress = object(str("type"), str("value"))
	oktaZone    = named("Okta network zone", object(
		str("id"), str("name"), str("type"), str("usage"), str("status"), f("system", scalar(ShapeBoolean)),
		str("created"), str("lastUpdated"), f("useAsExemptList", scalar(ShapeBoolean)),
		f("gateways", listOf(zoneAddress)), f("proxies", listOf(zoneAddress)),
		// locations and asns are lists in a DYNAMIC zone, {include,
		// exclude} in an enhanced (DYNAMIC_V2) one.
		str("proxyType"), anyF("locations"), anyF("asns"), anyF("ipServiceCategories"), anyF("_links")))

	logActor   = open(str("id"), str("type"), str("alternateId"), str("displayName"), anyF("detailEntry"))
	oktaLogEvt = named("Okta LogEvent", object(
		str("uuid"), str("published"), str("eventType"), str("version"), str("severity"),
		str("legacyEventType"), str("displayMessage"), anyF("device"),
		f("actor", logActor),
		f("client", open(str("id"), str("ipAddress"), str("zone"), str("device"),
			f("userAgent", open(str("rawUserAgent"), str("browser"), str("os"))),
			f("geographicalContext", open(str("city"), str("state"), str("country"), str("postalCode"), anyF("geolocation"))))),
		f("outcome", open(str("result"), str("reason"))),
		f("target", listOf(open(str("id"), str("type"), str("alternateId"), str("displayName"), anyF("detailEntry"), anyF("changeDetails")))),
		f("request", open(f("ipChain", listOf(open(str("ip"), str("version"), str("source"), anyF("geographicalContext")))))),
		f("transaction", open(str("id"), str("type"), anyF("detail"))),
		f("debugContext", open(anyF("debugData"))),
		f("authenticationContext", open(str("authenticationProvider"), str("credentialProvider"), str("credentialType"),
			str("externalSessionId"), str("interface"), anyF("authenticationStep"), anyF("issuer"))),
		f("securityContext", open(f("asNumber", scalar(ShapeInteger)), str("asOrg"), str("domain"), str("isp"),
			f("isProxy", scalar(ShapeBoolean))))))

	oktaFactor = named("Okta UserFactor", object(
		str("id"), str("factorType"), str("provider"), str("vendorName"), str("status"),
		str("created"), str("lastUpdated"), anyF("profile"), anyF("_embedded"), anyF("_links")))

	oktaAppLink = named("Okta AssignedAppLink", object(
		str("id"), str("label"), str("appName"), str("appInstanceId"), str("appAssignmentId"),
		f("credentialsSetup", scalar(ShapeBoolean)), f("hidden", scalar(ShapeBoolean)),
		str("linkUrl"), str("logoUrl"), f("sortOrder", scalar(ShapeInteger))))
)

// bulkItem is one item's result in a bulk action's output.
var bulkItem = named("item result", ShapeOf(reflect.TypeOf(ItemResult{})))

// bulkShape is a bulk action's result (BulkResult) without the parts it
// never has: zone (only the blocklist writes), undo (only actions with an
// undo).
func bulkShape(a *Action) *Shape {
	s := ShapeOf(reflect.TypeOf(BulkResult{}))
	s = s.with("results", listOf(bulkItem))
	if !a.ZoneWrite {
		s = s.without("zone")
	} else {
		s = s.with("zone", oktaZone)
	}
	if a.Undo == "" {
		s = s.without("undo")
	}
	return s
}

// outputShapes are the actions' outputs that are not a bulk result.
var outputShapes = map[string]*Shape{
	CreateUserInGroup: oktaUser,
	CreateZone:        oktaZone,
	UpdateZone:        oktaZone,
	FetchEvent:        listOf(ShapeOf(reflect.TypeOf(FetchedEvent{})).with("raw", oktaLogEvt)),
	GetGroups:         listOf(oktaGroup),
	GetUserGroups:     listOf(oktaGroup),
	GetGroup:          oktaGroup,
	GetLogs:           listOf(oktaLogEvt),
	GetUsers:          listOf(oktaUser),
	GetGroupMembers:   listOf(oktaUser),
	GetUser:           object(f("found", scalar(ShapeBoolean)), f("user", oktaUser)),
	ListZones:         listOf(oktaZone),
	ListUserFactors:   listOf(oktaFactor),
	ListUserApps:      listOf(oktaAppLink),
	TestConnection:    ShapeOf(reflect.TypeOf(ConnectionResult{})),
}

// setOutputShape gives the action its output shape: a bulk result for a
// destructive action acting on a list of targets, else the table's.
func setOutputShape(a *Action) {
	if a.OutputShape != nil {
		return
	}
	if s, ok := outputShapes[a.Name]; ok {
		a.OutputShape = s
		return
	}
	if !a.Destructive {
		panic("spec: action " + a.Name + " declares no output shape")
	}
	a.OutputShape = bulkShape(a)
}
