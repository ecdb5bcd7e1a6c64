// jsforce, unmodified, against the mock org. Usage: node script.js <scenario>
// The mock's URL and credentials come from the environment (see test_jsforce_login.py);
// the scenario's findings are printed as one JSON line for the Python test to check.
'use strict';
const jsforce = require('jsforce');

const env = process.env;
const loginUrl = env.MOCK_LOGIN_URL;
const oauth2 = { loginUrl, clientId: env.MOCK_CLIENT_ID, clientSecret: env.MOCK_CLIENT_SECRET };
const SOQL = 'SELECT Id, Name FROM Account';

async function soap() {
  const conn = new jsforce.Connection({ loginUrl, version: '59.0' });
  const userInfo = await conn.login(env.MOCK_USERNAME, env.MOCK_PASSWORD);
  const result = await conn.query(SOQL);
  const identity = await conn.identity();
  const { instanceUrl, accessToken } = conn;
  await conn.logout();  // SOAP sessions log out through the partner API's logout()
  return { userId: userInfo.id, orgId: userInfo.organizationId, instanceUrl,
           totalSize: result.totalSize, identityUser: identity.user_id,
           identityName: identity.username, loggedOut: accessToken };
}

async function oauthPassword() {
  const conn = new jsforce.Connection({ oauth2, version: '59.0' });
  const userInfo = await conn.login(env.MOCK_USERNAME, env.MOCK_PASSWORD);
  const result = await conn.query(SOQL);
  const token = conn.accessToken;
  await conn.logout();  // OAuth sessions log out through /services/oauth2/revoke
  return { userId: userInfo.id, orgId: userInfo.organizationId, totalSize: result.totalSize,
           revoked: token };
}

async function oauthRefresh() {
  // A stale access token: the first call gets 401, jsforce refreshes and retries.
  const conn = new jsforce.Connection({ oauth2, version: '59.0', instanceUrl: env.MOCK_INSTANCE_URL,
                                        accessToken: '00Dstale!token', refreshToken: env.MOCK_REFRESH_TOKEN });
  let refreshed = null;
  conn.on('refresh', (accessToken) => { refreshed = accessToken; });
  const result = await conn.query(SOQL);
  return { totalSize: result.totalSize, refreshed: Boolean(refreshed),
           accessToken: conn.accessToken };
}

async function wrongPassword() {
  const conn = new jsforce.Connection({ loginUrl, version: '59.0' });
  try {
    await conn.login(env.MOCK_USERNAME, 'wrong-password');
    return { error: null };
  } catch (error) {
    return { error: error.message };
  }
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const records = [];
    stream.on('record', (record) => records.push(record));
    stream.on('end', () => resolve(records));
    stream.on('error', reject);
  });
}

async function bulkQuery(conn, soql) {
  conn.bulk.pollInterval = 100;  // jsforce polls every second by default
  try {
    const records = await collect(await conn.bulk.query(soql));
    return { records };
  } catch (error) {
    return { error: error.message };
  }
}

async function bulk1Query() {
  // Bulk API 1.0: XML job, chunked POSTs, X-SFDC-SESSION, CSV results.
  const conn = new jsforce.Connection({ oauth2, version: '59.0' });
  await conn.login(env.MOCK_USERNAME, env.MOCK_PASSWORD);
  return bulkQuery(conn, env.MOCK_SOQL || SOQL);
}

async function bulk1Refresh() {
  // A stale session on Bulk 1.0 is a 400 InvalidSessionId: jsforce refreshes and retries.
  const conn = new jsforce.Connection({ oauth2, version: '59.0', instanceUrl: env.MOCK_INSTANCE_URL,
                                        accessToken: '00Dstale!token', refreshToken: env.MOCK_REFRESH_TOKEN });
  let refreshed = false;
  conn.on('refresh', () => { refreshed = true; });
  const result = await bulkQuery(conn, SOQL);
  return { ...result, refreshed };
}

async function bulk2Load() {
  // Bulk API 2.0 ingest: create, chunked CSV PUT, UploadComplete, poll, the three result CSVs.
  const conn = new jsforce.Connection({ oauth2, version: '59.0' });
  await conn.login(env.MOCK_USERNAME, env.MOCK_PASSWORD);
  conn.bulk2.pollInterval = 100;  // jsforce polls every second by default
  const options = JSON.parse(env.MOCK_LOAD);
  try {
    const result = await conn.bulk2.loadAndWaitForResults(options);
    const readBack = await conn.query(`SELECT Id, LastName FROM ${options.object} ORDER BY LastName`);
    return { ...result, readBack: readBack.records.map(({ Id, LastName }) => ({ Id, LastName })) };
  } catch (error) {
    return { error: error.message };
  }
}

async function bulk1Load() {
  // Bulk API 1.0 ingest: XML job, CSV batch (chunked), poll, CSV "Id","Success","Created","Error".
  const conn = new jsforce.Connection({ oauth2, version: '59.0' });
  await conn.login(env.MOCK_USERNAME, env.MOCK_PASSWORD);
  conn.bulk.pollInterval = 100;
  const { object, operation, input } = JSON.parse(env.MOCK_LOAD);
  const results = await conn.bulk.load(object, operation, input);
  return { results };
}

const scenarios = { soap, 'oauth-password': oauthPassword, 'oauth-refresh': oauthRefresh,
                    'wrong-password': wrongPassword, 'bulk1-query': bulk1Query,
                    'bulk1-refresh': bulk1Refresh, 'bulk2-load': bulk2Load,
                    'bulk1-load': bulk1Load };

scenarios[process.argv[2]]()
  .then((result) => { process.stdout.write(JSON.stringify(result) + '\n'); })
  .catch((error) => { process.stderr.write(`${error.name}: ${error.message}\n`); process.exit(1); });
