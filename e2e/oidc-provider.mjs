#!/usr/bin/env node
// Test OpenID Connect provider (oidc-provider by panva) that the Rust tests and the
// browser journey start as a child process to test "sign in with OpenID Connect".
// Never for production: in-memory storage, fresh keys at every start.
//
// Interface (environment variables):
//   OIDC_PORT        port on 127.0.0.1; 0 (default) = any free port. Issuer is
//                    http://127.0.0.1:PORT. When ready, prints exactly one line on
//                    stdout: `listening http://127.0.0.1:PORT`. Everything else goes to stderr.
//   OIDC_CLIENTS     JSON array of oidc-provider client metadata (client_id, client_secret,
//                    redirect_uris, post_logout_redirect_uris, userinfo_signed_response_alg…).
//                    Defaults: id_token_signed_response_alg RS256, token_endpoint_auth_method
//                    client_secret_basic (client_secret_post is accepted too). PKCE S256 is
//                    required for every client.
//   OIDC_ACCOUNTS    JSON object: login typed at the form (e-mail-like) -> claims object with
//                    `sub` plus any of email, email_verified, given_name, family_name,
//                    usual_name, siret, uid, idp_id. The account id (and so `sub`) is `sub`.
//   OIDC_PROFILE     `standard` (default): scopes openid, email (email, email_verified),
//                    profile (given_name, family_name); claims go in the ID token too.
//                    `proconnect`: ProConnect-like: one scope per claim (given_name,
//                    usual_name, email, uid, siret, idp_id), userinfo is a signed JWT
//                    (application/jwt, RS256 by default), the ID token carries only protocol
//                    claims plus idp_id, acr (acr_values `eidas1`) and amr (["pwd"]).
//   OIDC_TAMPER      `none` (default) | `expired` | `wrong-audience` | `bad-signature` |
//                    `weak-acr` (the ID token says `acr` `eidas0`, signed by the right key):
//                    rewrites the id_token of every successful token response so that a
//                    correct relying party must reject it.
//   OIDC_AUTO_LOGIN  a login of OIDC_ACCOUNTS: the login page signs it in at once (no form),
//                    so a plain HTTP client can follow redirects from authorize to callback.
//
// Routes: discovery /.well-known/openid-configuration, authorize /auth, token /token,
// userinfo /me, JWKS /jwks, logout /session/end (end_session_endpoint), login page
// /interaction/:uid (form posts `login` to /interaction/:uid/login). No consent screen.
// Logout auto-submits its form (a client without JavaScript POSTs the form's hidden fields
// to /session/end/confirm) then redirects to post_logout_redirect_uri with `state`.

import crypto from 'node:crypto';
import http from 'node:http';
import { CompactSign, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

// oidc-provider prints its notices with console.info: keep stdout for the `listening` line.
console.info = console.error;
console.log = console.error;

function fail(message) {
  console.error(`oidc-provider.mjs: ${message}`);
  process.exit(2);
}

function jsonEnv(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  try {
    return JSON.parse(raw);
  } catch (err) {
    return fail(`${name} is not valid JSON: ${err.message}`);
  }
}

const PROFILE = process.env.OIDC_PROFILE || 'standard';
const TAMPER = process.env.OIDC_TAMPER || 'none';
const AUTO_LOGIN = process.env.OIDC_AUTO_LOGIN || '';
const PORT = Number(process.env.OIDC_PORT || 0);
const CLIENTS = jsonEnv('OIDC_CLIENTS', []);
const ACCOUNTS = jsonEnv('OIDC_ACCOUNTS', {});

if (!['standard', 'proconnect'].includes(PROFILE)) fail(`unknown OIDC_PROFILE ${PROFILE}`);
if (!['none', 'expired', 'wrong-audience', 'bad-signature', 'weak-acr'].includes(TAMPER)) fail(`unknown OIDC_TAMPER ${TAMPER}`);
if (!Array.isArray(CLIENTS)) fail('OIDC_CLIENTS must be a JSON array');
if (AUTO_LOGIN && !ACCOUNTS[AUTO_LOGIN]) fail(`OIDC_AUTO_LOGIN ${AUTO_LOGIN} is not in OIDC_ACCOUNTS`);

// oidc-provider forces `sub` to the account id, so accounts are keyed by sub.
const bySub = new Map();
for (const [login, claims] of Object.entries(ACCOUNTS)) {
  if (!claims || typeof claims.sub !== 'string' || !claims.sub) fail(`account ${login} has no sub`);
  bySub.set(claims.sub, claims);
}

const PROCONNECT = PROFILE === 'proconnect';
const ACR_VALUES = PROCONNECT ? ['eidas1'] : [];
const PROTOCOL_CLAIMS = { acr: null, amr: null, auth_time: null, iss: null, sid: null };
const claimsConfig = PROCONNECT
  ? {
      ...PROTOCOL_CLAIMS,
      // idp_id rides on `openid` so that it reaches the ID token despite conformIdTokenClaims.
      openid: ['sub', 'idp_id'],
      given_name: ['given_name'],
      usual_name: ['usual_name'],
      email: ['email'],
      uid: ['uid'],
      siret: ['siret'],
      idp_id: ['idp_id'],
    }
  : {
      ...PROTOCOL_CLAIMS,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    };

// One real signing key, generated at start.
const KID = `test-${crypto.randomBytes(6).toString('hex')}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: KID, use: 'sig', alg: 'RS256' };
// Only bad-signature needs a second key, with the same kid.
const rogueKey = TAMPER === 'bad-signature' ? (await generateKeyPair('RS256')).privateKey : null;

const OP_NAME = "Fournisseur d'identité de test";
// Attributes are always double-quoted, so apostrophes stay as typed.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title === OP_NAME ? title : `${title} – ${OP_NAME}`)}</title></head>
<body><main><h1>${esc(title)}</h1>
${body}
</main></body>
</html>`;
}

// Listen first: the issuer must carry the real port.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const { port } = server.address();
const ISSUER = `http://127.0.0.1:${port}`;

const provider = new Provider(ISSUER, {
  clients: CLIENTS,
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    token_endpoint_auth_method: 'client_secret_basic',
    ...(PROCONNECT ? { userinfo_signed_response_alg: 'RS256' } : {}),
  },
  responseTypes: ['code'],
  pkce: { required: () => true },
  jwks: { keys: [signingJwk] },
  claims: claimsConfig,
  // ProConnect keeps user claims out of the ID token (e-mail only from userinfo).
  conformIdTokenClaims: PROCONNECT,
  acrValues: ACR_VALUES,
  cookies: {
    keys: [crypto.randomBytes(32).toString('base64url')],
    // Cookies ignore ports: distinct names so they never meet the relying party's on 127.0.0.1.
    names: { session: 'oidc_op_session', interaction: 'oidc_op_interaction', resume: 'oidc_op_resume' },
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true },
    // Access tokens stay for userinfo only; no resource servers to test here.
    resourceIndicators: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const claims = bySub.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ ...claims, sub }) };
  },
  // No consent screen: grant whatever the client asks for.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const accountId = oidc.account.accountId;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== accountId) {
      grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
    }
    const scopes = [...oidc.requestParamOIDCScopes];
    if (scopes.length) grant.addOIDCScope(scopes.join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Erreur', Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong> : ${esc(v)}</p>`).join('\n'));
  },
});

// Auto-submitted logout page: the test journey must not need a click.
async function logoutSource(ctx, form) {
  const withButton = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><button type="submit">Se déconnecter</button></form>',
  );
  ctx.body = page('Déconnexion', `<p>Déconnexion en cours…</p>
${withButton}
<script>document.getElementById('op.logoutForm').submit();</script>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Déconnexion', '<p>Vous êtes déconnecté.</p>');
}

// Client metadata is checked lazily by oidc-provider: check it now so a bad OIDC_CLIENTS fails at start.
for (const { client_id: id } of CLIENTS) {
  try {
    if (!(await provider.Client.find(String(id)))) fail(`client ${id} not found`);
  } catch (err) {
    fail(`client ${id}: ${err.error_description || err.message}`);
  }
}

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error']) {
  provider.on(event, (ctx, err) => console.error(`oidc-provider ${event}: ${err.name}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}`));
}

// Corrupt the ID token of each token response, as configured.
const tokenPath = new URL(provider.urlFor('token')).pathname;
provider.use(async (ctx, next) => {
  await next();
  if (TAMPER === 'none' || ctx.path !== tokenPath || ctx.status !== 200 || !ctx.body?.id_token) return;
  const header = decodeProtectedHeader(ctx.body.id_token);
  const claims = decodeJwt(ctx.body.id_token);
  let key = privateKey;
  if (TAMPER === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 3660;
    claims.exp = now - 3600;
  } else if (TAMPER === 'wrong-audience') {
    claims.aud = 'un-autre-client';
  } else if (TAMPER === 'weak-acr') {
    claims.acr = 'eidas0';
  } else {
    key = rogueKey;
  }
  const idToken = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header)
    .sign(key);
  ctx.body = { ...ctx.body, id_token: idToken };
});

// ---------------------------------------------------------------- login interaction

function loginForm(uid, { error = '', login = '' } = {}) {
  return page(OP_NAME, `${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<p><label for="login">Adresse électronique</label>
<input type="text" id="login" name="login" autocomplete="username" required value="${esc(login)}"></p>
<p><button type="submit">Se connecter</button></p>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Signs `login` in; acr is the first supported acr_values member (ProConnect: eidas1 anyway).
async function finishLogin(req, res, details, login) {
  const requested = String(details.params.acr_values || '').split(' ');
  const acr = requested.find((v) => ACR_VALUES.includes(v)) || (PROCONNECT ? 'eidas1' : undefined);
  const result = { login: { accountId: ACCOUNTS[login].sub, ...(acr ? { acr } : {}), amr: ['pwd'] } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Erreur', '<p>Interaction inconnue.</p>'));
  if (details.prompt.name !== 'login') {
    // Only reached for prompts loadExistingGrant cannot skip (e.g. native clients).
    const grant = new provider.Grant({ clientId: details.params.client_id, accountId: details.session.accountId });
    grant.addOIDCScope(String(details.params.scope || 'openid'));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action === undefined && req.method === 'GET') {
    if (AUTO_LOGIN) return finishLogin(req, res, details, AUTO_LOGIN);
    return send(res, 200, loginForm(uid));
  }
  if (action === 'login' && req.method === 'POST') {
    const login = ((await readForm(req)).get('login') || '').trim();
    if (!Object.hasOwn(ACCOUNTS, login)) return send(res, 200, loginForm(uid, { error: 'Compte inconnu', login }));
    return finishLogin(req, res, details, login);
  }
  return send(res, 405, page('Erreur', '<p>Méthode non permise.</p>'));
}

const callback = provider.callback();
server.on('request', (req, res) => {
  const m = /^\/interaction\/([\w-]+)(?:\/(login))?\/?$/.exec(new URL(req.url, ISSUER).pathname);
  if (!m) return callback(req, res);
  interaction(req, res, m[1], m[2]).catch((err) => {
    console.error(`oidc-provider interaction error: ${err.name}: ${err.message}`);
    if (!res.headersSent) send(res, 400, page('Erreur', `<p>${esc(err.message)}</p>`));
    else res.end();
  });
});

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`listening ${ISSUER}\n`);
