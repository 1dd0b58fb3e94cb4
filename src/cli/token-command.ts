import { InvalidArgumentError, type Command } from 'commander';
import { loadOrCreateDevKey, signDevToken } from '../auth/dev-signing-key';
import { Scope } from '../auth/principal';
import { loadConfig } from '../config/config';

const KNOWN_SCOPES: readonly string[] = Object.values(Scope);

function scopeList(value: string): string[] {
  const scopes = value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const scope of scopes) {
    if (!KNOWN_SCOPES.includes(scope) && !/^ingest:(\*|[a-z][a-z0-9_-]*)$/.test(scope)) {
      throw new InvalidArgumentError(
        `"${scope}" is not a scope the hub knows; use ${KNOWN_SCOPES.join(', ')}, ingest:<source> or ingest:*`,
      );
    }
  }
  return scopes;
}

function seconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('use a number of seconds, or e.g. 15m, 8h, 1d');
  const n = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (n < 1 || n > 7 * 86400) throw new InvalidArgumentError('a dev token lives from 1 second to 7 days');
  return n;
}

/**
 * `profile-hub token --scopes …`: dev mode only. Signs an access token with the hub's generated key (the same one
 * `serve` trusts, under HUB_DATA_DIR) and prints it. Refused when an issuer is configured or in production.
 */
export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description("dev mode only: print an access token signed by the hub's own key (no issuer configured)")
    .option('--scopes <list>', 'comma- or space-separated scopes', scopeList, [Scope.ProfilesRead])
    .option('--subject <name>', 'who the token names (recorded as the actor)', 'dev-cli')
    .option('--ttl <duration>', 'lifetime: seconds, or 15m, 8h, 1d', seconds, 3600)
    .addHelpText(
      'after',
      `\nScopes: ${KNOWN_SCOPES.join(', ')}, ingest:<source>, ingest:*\n` +
        'Example: TOKEN=$(npx profile-hub token --scopes profiles:read,pii:read)\n' +
        '         curl -H "authorization: Bearer $TOKEN" …',
    )
    .action(async (options: { scopes: string[]; subject: string; ttl: number }) => {
      const config = loadConfig();
      if (config.auth.mode !== 'dev') {
        throw new Error(
          'token works in dev mode only (no AUTH_ISSUER); ask your issuer for a token (client-credentials grant)',
        );
      }
      const key = await loadOrCreateDevKey(config.auth);
      const token = await signDevToken(config.auth, key, {
        scopes: options.scopes,
        subject: options.subject,
        ttlSeconds: options.ttl,
      });
      process.stdout.write(`${token}\n`);
    });
}
