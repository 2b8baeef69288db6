// SDK compatibility check of the simulated org (make sdk-check): Okta's
// official Node SDK (pinned in package.json) drives every operation
// Cordon's actions use, follows every link the org advertises, and a
// hand-written OpenID Connect relying party (node:crypto, no Go code)
// signs in. Run by .ci/sdk-check against `cordon sim`; prints one line per
// check and exits 1 if any failed.
//
// Env: ORG_URL, OKTA_TOKEN, DEV_PASSWORD, CLIENT_ID.
import { createPublicKey, createHash, createVerify, randomBytes } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';

const { ORG_URL, OKTA_TOKEN } = process.env;
const DEV_PASSWORD = process.env.DEV_PASSWORD || 'cordon-dev-password';
const CLIENT_ID = process.env.CLIENT_ID || 'cordon';
const ADMIN = 'sam.rivera@acme.com';
const client = new okta.Client({ orgUrl: ORG_URL, token: OKTA_TOKEN });

let passed = 0;
const failures = [];
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
async function all(collection) { const out = []; for await (const x of collection) out.push(x); return out; }
async function api(method, path, body) {
  const headers = { Authorization: `SSWS ${OKTA_TOKEN}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(new URL(path, ORG_URL), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
// followLinks calls every link of an object with its method (GET when none,
// DELETE links skipped) and expects 2xx: an SDK that follows _links must not
// meet 404, 405 or a refused transition.
async function followLinks(obj, skip = []) {
  for (const [name, l] of Object.entries(obj._links || {})) {
    if (skip.includes(name)) continue;
    for (const link of Array.isArray(l) ? l : [l]) {
      const method = link.method || 'GET';
      if (method === 'DELETE') continue;
      // An empty body: fetch then sends Content-Length: 0, as Okta wants.
      const resp = await fetch(link.href, { method, body: method === 'GET' ? undefined : '', headers: { Authorization: `SSWS ${OKTA_TOKEN}`, Accept: 'application/json' } });
      assert(resp.ok, `${name} link ${method} ${link.href} answered ${resp.status}`);
    }
  }
}

// --- Management API through the SDK -------------------------------------
let created;
await check('users: list pages through Link headers', async () => {
  const paged = await all(await client.userApi.listUsers({ limit: 7 }));
  const raw = await (await api('GET', '/__sim/state')).json();
  const deprovisioned = raw.usersByStatus.DEPROVISIONED || 0;
  assert(paged.length === raw.userCount - deprovisioned, `paged ${paged.length}, org has ${raw.userCount - deprovisioned}`);
});
await check('users: q is one page of at most limit', async () => {
  const resp = await api('GET', '/api/v1/users?q=a&limit=3');
  const body = await resp.json();
  assert(body.length === 3, `${body.length} users`);
  assert(!(resp.headers.get('link') || '').includes('rel="next"'), 'q answered a next link');
});
await check('users: search with sortBy/sortOrder', async () => {
  const users = await all(await client.userApi.listUsers({ search: 'status eq "ACTIVE"', sortBy: 'profile.lastName', sortOrder: 'desc', limit: 20 }));
  const names = users.map((u) => u.profile.lastName.toLowerCase());
  assert(names.length > 20, `${names.length} users`);
  assert(names.every((n, i) => i === 0 || names[i - 1] >= n), 'not sorted descending');
});
await check('users: fields projection', async () => {
  const body = await (await api('GET', '/api/v1/users?limit=3&fields=status,profile:(firstName)')).json();
  for (const u of body) {
    assert(Object.keys(u).sort().join() === 'id,profile,status', `keys ${Object.keys(u)}`);
    assert(Object.keys(u.profile).join() === 'firstName', `profile keys ${Object.keys(u.profile)}`);
  }
});
await check('users: get me, realmId, links served', async () => {
  const me = await client.userApi.getUser({ userId: 'me' });
  assert(me.profile.login === ADMIN, me.profile.login);
  const raw = await (await api('GET', '/api/v1/users/me')).json();
  assert(/^guo/.test(raw.realmId || ''), `realmId ${raw.realmId}`);
  for (const status of ['ACTIVE', 'PROVISIONED', 'SUSPENDED', 'LOCKED_OUT', 'DEPROVISIONED']) {
    const [u] = await (await api('GET', `/api/v1/users?search=${encodeURIComponent(`status eq "${status}"`)}&limit=1`)).json();
    if (!u) continue;
    const one = await (await api('GET', `/api/v1/users/${u.id}`)).json();
    // Transitions change the org: each link is followed on a fresh reset.
    for (const name of Object.keys(one._links)) {
      await api('POST', '/__sim/reset', {});
      await followLinks({ _links: { [name]: one._links[name] } });
    }
  }
  await api('POST', '/__sim/reset', {});
});
await check('users: create, activate, suspend, unsuspend, deactivate, delete', async () => {
  created = await client.userApi.createUser({ activate: false, body: { profile: { firstName: 'Sdk', lastName: 'Check', login: 'sdk.check@acme.com', email: 'sdk.check@acme.com' }, credentials: { password: { value: 'Sdk-check-1234!' } } } });
  assert(created.status === 'STAGED', created.status);
  await client.userApi.activateUser({ userId: created.id, sendEmail: false });
  await client.userApi.suspendUser({ userId: created.id });
  assert((await client.userApi.getUser({ userId: created.id })).status === 'SUSPENDED', 'not suspended');
  await client.userApi.unsuspendUser({ userId: created.id });
  await client.userApi.deactivateUser({ userId: created.id });
  await client.userApi.deleteUser({ userId: created.id });
  await client.userApi.getUser({ userId: created.id }).then(() => { throw new Error('deleted user still there'); }, (e) => {
    assert(e.status === 404 && e.errorCode === 'E0000007', `${e.status} ${e.errorCode}`);
  });
});
await check('users: errors are OktaApiError with Okta codes', async () => {
  await client.userApi.suspendUser({ userId: 'mark.taylor@acme.com' }).then(() => { throw new Error('suspended a DEPROVISIONED user'); }, (e) => {
    assert(e.status === 400 && e.errorCode === 'E0000001', `${e.status} ${e.errorCode}`);
  });
});
await check('users: groups, app links, factors, factor self link, sessions', async () => {
  const groups = await all(await client.userApi.listUserGroups({ userId: 'jane.doe@acme.com' }));
  assert(groups.some((g) => g.profile.name === 'Everyone'), 'no Everyone');
  const links = await all(await client.userApi.listAppLinks({ userId: 'jane.doe@acme.com' }));
  assert(links.length > 0, 'no app links');
  const me = await client.userApi.getUser({ userId: 'me' });
  const factors = await all(await client.userFactorApi.listFactors({ userId: me.id }));
  assert(factors.length > 0, 'no factors');
  for (const f of factors) {
    const one = await client.userFactorApi.getFactor({ userId: me.id, factorId: f.id });
    assert(one.id === f.id, one.id);
    await followLinks(await (await api('GET', `/api/v1/users/${me.id}/factors/${f.id}`)).json());
  }
  await client.userApi.revokeUserSessions({ userId: me.id, oauthTokens: true });
});
await check('groups: list, get, members, apps, membership, links', async () => {
  const groups = await all(await client.groupApi.listGroups({ limit: 3 }));
  assert(groups.length > 3, `${groups.length} groups`);
  const eng = groups.find((g) => g.profile.name === 'Engineering');
  assert(eng, 'no Engineering');
  const members = await all(await client.groupApi.listGroupUsers({ groupId: eng.id, limit: 5 }));
  assert(members.length > 5, `${members.length} members`);
  const apps = await all(await client.groupApi.listAssignedApplicationsForGroup({ groupId: eng.id }));
  assert(apps.length === 1, `${apps.length} apps`);
  const me = await client.userApi.getUser({ userId: 'me' });
  await client.groupApi.assignUserToGroup({ groupId: eng.id, userId: me.id });
  await client.groupApi.unassignUserFromGroup({ groupId: eng.id, userId: me.id });
  for (const g of groups) await followLinks(await (await api('GET', `/api/v1/groups/${g.id}`)).json());
});
await check('zones: create, get, replace, deactivate, delete', async () => {
  const zone = { type: 'IP', name: 'SDK check zone', gateways: [{ type: 'CIDR', value: '198.51.100.0/24' }] };
  const z = await client.networkZoneApi.createNetworkZone({ zone });
  assert(z.id && z.name === zone.name, JSON.stringify(z));
  await client.networkZoneApi.getNetworkZone({ zoneId: z.id });
  await client.networkZoneApi.replaceNetworkZone({ zoneId: z.id, zone: { ...zone, gateways: [{ type: 'RANGE', value: '203.0.113.1-203.0.113.9' }] } });
  await client.networkZoneApi.deactivateNetworkZone({ zoneId: z.id });
  await client.networkZoneApi.deleteNetworkZone({ zoneId: z.id });
});
await check('logs: list events since yesterday', async () => {
  const since = new Date(Date.now() - 24 * 3600e3).toISOString();
  const events = await client.systemLogApi.listLogEvents({ since, limit: 100 });
  const page = [];
  for await (const e of events) { page.push(e); if (page.length >= 150) break; }
  assert(page.length > 0 && page[0].eventType, 'no events');
});
await check('org: settings', async () => {
  const org = await client.orgSettingApi.getOrgSettings();
  assert(org.subdomain === 'acme', org.subdomain);
});
await check('http: a POST without body or Content-Length is 411', async () => {
  // A raw request: node:http would add Transfer-Encoding: chunked.
  const { connect } = await import('node:net');
  const u = new URL(ORG_URL);
  const head = await new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname, () => sock.end(`POST /api/v1/users/me/lifecycle/unlock HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: SSWS ${OKTA_TOKEN}\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (b) => { data += b; });
    sock.on('end', () => resolve(data.split('\r\n')[0]));
    sock.on('error', reject);
  });
  assert(head.startsWith('HTTP/1.1 411'), head);
});

// --- OpenID Connect: a relying party written here, not Cordon's ----------
const b64u = (b) => Buffer.from(b).toString('base64url');
async function verifyJWT(jwks, token) {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert(jwk && header.alg === 'RS256', `header ${JSON.stringify(header)}`);
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert(ok, 'bad signature');
  return JSON.parse(Buffer.from(p, 'base64url'));
}
await check('oidc: code flow with PKCE, claims, userinfo, revocation, prompt=none, logout', async () => {
  const iss = new URL('/oauth2/default', ORG_URL).href;
  const disc = await (await fetch(`${iss}/.well-known/openid-configuration`)).json();
  for (const k of ['userinfo_endpoint', 'revocation_endpoint', 'end_session_endpoint']) assert(disc[k], `discovery lacks ${k}`);
  const jwks = await (await fetch(disc.jwks_uri)).json();
  const verifier = b64u(randomBytes(32));
  const redirect = 'http://127.0.0.1:53682/callback';
  const params = { client_id: CLIENT_ID, redirect_uri: redirect, response_type: 'code', scope: 'openid profile email groups',
    state: b64u(randomBytes(8)), nonce: b64u(randomBytes(8)), code_challenge: b64u(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256' };
  const authz = (extra) => `${disc.authorization_endpoint}?${new URLSearchParams({ ...params, ...extra })}`;

  let r = await fetch(authz({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
  assert(r.status === 400, `unregistered redirect answered ${r.status}`);
  r = await fetch(authz({ state: '' }), { redirect: 'manual' });
  assert(r.status === 302 && new URL(r.headers.get('location')).searchParams.get('error') === 'invalid_request', 'state is not required');
  r = await fetch(authz({ prompt: 'none' }), { redirect: 'manual' });
  assert(new URL(r.headers.get('location')).searchParams.get('error') === 'login_required', 'prompt=none without a session');

  r = await fetch(disc.authorization_endpoint, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...params, username: ADMIN, password: DEV_PASSWORD }) });
  assert(r.status === 302, `login answered ${r.status}`);
  const back = new URL(r.headers.get('location'));
  assert(back.searchParams.get('state') === params.state, 'state not returned');
  const sid = (r.headers.get('set-cookie') || '').split(';')[0];

  const redeem = (clientId) => fetch(disc.token_endpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code',
    code: back.searchParams.get('code'), redirect_uri: redirect, client_id: clientId, code_verifier: verifier }) });
  r = await redeem('not-the-client');
  assert(r.status === 401 && (await r.json()).error === 'invalid_client', `unknown client answered ${r.status}`);
  r = await redeem(CLIENT_ID);
  assert(r.status === 200, `token answered ${r.status}`);
  assert(r.headers.get('pragma') === 'no-cache' && r.headers.get('cache-control') === 'no-store', 'token answer cacheable');
  const tok = await r.json();
  const id = await verifyJWT(jwks, tok.id_token);
  for (const c of ['amr', 'idp', 'jti', 'ver', 'at_hash', 'auth_time']) assert(id[c] !== undefined, `ID token lacks ${c}`);
  assert(id.nonce === params.nonce && id.aud === CLIENT_ID && id.iss === disc.issuer, 'ID token nonce/aud/iss');
  assert(id.at_hash === b64u(createHash('sha256').update(tok.access_token).digest().subarray(0, 16)), 'at_hash');
  const at = await verifyJWT(jwks, tok.access_token);
  assert(at.aud === 'api://default' && at.cid === CLIENT_ID && at.scp.includes('openid'), `access token ${JSON.stringify(at)}`);

  const userinfo = () => fetch(disc.userinfo_endpoint, { headers: { Authorization: `Bearer ${tok.access_token}` } });
  r = await userinfo();
  assert(r.status === 200 && (await r.json()).preferred_username === ADMIN, `userinfo ${r.status}`);
  r = await fetch(authz({ prompt: 'none' }), { redirect: 'manual', headers: { Cookie: sid } });
  assert(new URL(r.headers.get('location')).searchParams.get('code'), 'the session does not sign in silently');
  r = await fetch(disc.revocation_endpoint, { method: 'POST', body: new URLSearchParams({ token: tok.access_token, client_id: CLIENT_ID }) });
  assert(r.status === 200, `revoke ${r.status}`);
  assert((await userinfo()).status === 401, 'revoked token still works');
  r = await fetch(`${disc.end_session_endpoint}?${new URLSearchParams({ id_token_hint: tok.id_token, post_logout_redirect_uri: 'http://127.0.0.1:53682/' })}`, { redirect: 'manual', headers: { Cookie: sid } });
  assert(r.status === 302, `logout ${r.status}`);
  r = await fetch(authz({ prompt: 'none' }), { redirect: 'manual', headers: { Cookie: sid } });
  assert(new URL(r.headers.get('location')).searchParams.get('error') === 'login_required', 'session survived logout');
});

console.log(`${passed} of ${passed + failures.length} checks passed`);
process.exit(failures.length ? 1 : 0);
