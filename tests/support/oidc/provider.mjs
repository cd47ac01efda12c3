// A real OpenID Connect provider for the test suite: oidc-provider (the certified Node implementation)
// on plain HTTP on 127.0.0.1, configured from a JSON file.
//
//   node tests/support/oidc/provider.mjs <config.json> [port]
//
// The port comes from the command line, else from OIDC_PROVIDER_PORT, else 0 (any free port). The issuer is
// http://127.0.0.1:<port>; once the server listens, one line `READY <issuer>` goes to stdout. Errors go to
// stderr. SIGTERM, SIGINT or, when stdin is a pipe, its end (the test process died) close the server and exit 0.
//
// The JSON file holds:
//   clients       client metadata as oidc-provider takes it (client_id, client_secret, redirect_uris,
//                 post_logout_redirect_uris, token_endpoint_auth_method: client_secret_basic or _post, ...)
//   signing_keys  private RSA JWKs (alg RS256, unique kid); the first one signs, all are published
//   accounts      account id -> claims (sub, email, email_verified, name, given_name, family_name,
//                 department, groups); the login name typed on the sign-in page is the account id
//   claims        optional: scope -> the claims it grants (the default is below)
//   cookie_keys   optional: the keys that sign the provider's cookies (random when absent)
//   ttl           optional: seconds each artifact lives, by oidc-provider's names (AccessToken, IdToken, ...)

import { randomBytes } from 'node:crypto';
import { fstatSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';

// `profile` grants the directory claims too, so `openid email profile` puts all of them in the ID token.
const DEFAULT_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'department', 'groups'],
};

const DEFAULT_TTL = {
  AccessToken: 600,
  AuthorizationCode: 60,
  IdToken: 600,
  Interaction: 600,
  Session: 3600,
  Grant: 3600,
};

// Errors worth seeing in the test output; oidc-provider emits each as (ctx, error).
const ERROR_EVENTS = [
  'server_error',
  'authorization.error',
  'grant.error',
  'end_session.error',
  'userinfo.error',
  'introspection.error',
  'revocation.error',
  'jwks.error',
  'discovery.error',
  'check_session.error',
];

function readConfig(path) {
  if (!path) {
    throw new Error('usage: node provider.mjs <config.json> [port]');
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

function portFrom(argument) {
  const port = Number(argument ?? process.env.OIDC_PROVIDER_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`not a TCP port: ${argument}`);
  }
  return port;
}

/** oidc-provider's findAccount: the account's claims from the configuration, `sub` defaulting to its id. */
function accountFinder(accounts) {
  return async function findAccount(_ctx, accountId) {
    const claims = accounts[accountId];
    if (!claims) {
      return undefined;
    }
    return {
      accountId,
      async claims() {
        return { ...claims, sub: claims.sub ?? accountId };
      },
    };
  };
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A self-contained page (the stock pages load a web font, which a machine without internet waits for). */
function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

async function logoutSource(ctx, form) {
  ctx.body = page(
    'Sign out',
    `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`
      + '<button type="submit" form="op.logoutForm">No, stay signed in</button>',
  );
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<p>You have been signed out.</p>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  const lines = Object.entries(out).map(([key, value]) => `<pre><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</pre>`);
  ctx.body = page('Error', lines.join(''));
}

function providerConfiguration(config) {
  return {
    clients: config.clients,
    jwks: { keys: config.signing_keys },
    findAccount: accountFinder(config.accounts ?? {}),
    claims: config.claims ?? DEFAULT_CLAIMS,
    // Claims granted by scope go into the ID token too, not only to the userinfo endpoint.
    conformIdTokenClaims: false,
    cookies: { keys: config.cookie_keys ?? [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    // Every authorization code request must carry a code_challenge (oidc-provider only knows S256).
    pkce: { required: () => true },
    responseTypes: ['code'],
    renderError,
    ttl: { ...DEFAULT_TTL, ...config.ttl },
  };
}

function logErrors(provider) {
  for (const event of ERROR_EVENTS) {
    provider.on(event, (_ctx, error) => {
      const detail = error.error_detail ? ` (${error.error_detail})` : '';
      console.error(`${event}: ${error.name}: ${error.message}${detail}`);
      if (event === 'server_error') {
        console.error(error.stack);
      }
    });
  }
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(server.address().port));
  });
}

function exitOnShutdown(server) {
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // A parent that holds our stdin as a pipe and dies closes it: do not outlive it.
  if (fstatSync(0).isFIFO()) {
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
  }
}

async function main() {
  const config = readConfig(process.argv[2]);
  const server = createServer();
  // Listen first, so that port 0 works: the issuer names the port the server got.
  const port = await listen(server, portFrom(process.argv[3]));
  const issuer = `http://${HOST}:${port}`;
  const provider = new Provider(issuer, providerConfiguration(config));
  logErrors(provider);
  server.on('request', provider.callback());
  exitOnShutdown(server);
  process.stdout.write(`READY ${issuer}\n`);
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
