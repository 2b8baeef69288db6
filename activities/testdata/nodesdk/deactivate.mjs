// Deactivates the users listed in IDS_FILE (one id a line) through Okta's
// official Node SDK with its default rate-limit handling (up to 2 retries
// of a 429, each after X-Rate-Limit-Reset), CONCURRENCY requests at a time,
// and prints {"ok": N, "failed": N} on stdout. Run by BenchmarkNodeSDKPeer
// in activities/bench_test.go against the simulated org.
import { readFileSync } from 'node:fs';
import okta from '@okta/okta-sdk-nodejs';

const { ORG_URL, OKTA_TOKEN, IDS_FILE } = process.env;
const concurrency = Number(process.env.CONCURRENCY || 8);
const ids = readFileSync(IDS_FILE, 'utf8').split('\n').filter(Boolean);
const client = new okta.Client({ orgUrl: ORG_URL, token: OKTA_TOKEN });

let next = 0, ok = 0, failed = 0;
async function lane() {
  while (next < ids.length) {
    const userId = ids[next++];
    try {
      await client.userApi.deactivateUser({ userId });
      ok++;
    } catch (e) {
      failed++;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
console.log(JSON.stringify({ ok, failed }));
