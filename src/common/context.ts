import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logging/logger';
import type { ChangeNotifier } from '../feed/change-notifier';
import type { IdentitySettings } from '../identity/resolution/identity-settings';
import type { SurvivorshipSettings } from '../identity/survivorship/survivorship-rules';
import type { ConsentSettings } from '../consent/consent-settings';
import type { ScoringSettings } from '../segments/lead-scoring';
import type { Principal } from '../auth/principal';
import type { HubMetrics } from '../metrics/hub-metrics';

/**
 * What every service function receives first: who acts, for which request, and where to log. The edge
 * (resolver, webhook handler, import batch) builds it and opens the transaction.
 */
export interface ServiceContext {
  requestId: string;
  /** Who acts: a token subject, `cli`, `system`. Recorded in audit entries and merge history. */
  actor: string;
  /** The verified caller and its scopes; undefined for work the process itself started (CLI, jobs). */
  principal?: Principal;
  /** The GraphQL field or HTTP route this work serves, e.g. `eraseProfile`; recorded in audit entries. */
  operation?: string;
  logger: Logger;
  dataSource: DataSource;
  notifier: ChangeNotifier;
  /** Deployment settings the services need (from the environment and the rules file). */
  settings?: HubSettings;
  /** The hub process's metrics (`/metrics`); absent in the CLI. Count committed work only (`afterCommit`). */
  metrics?: HubMetrics;
}

/** The part of the configuration that services read. */
export interface HubSettings {
  /** `HUB_PHONE_REGION`: region for phone numbers written without a country code. */
  phoneRegion?: string;
  /** The rules file's `identity` section over the defaults. */
  identity?: IdentitySettings;
  /** The rules file's `survivorship` section over the defaults. */
  survivorship?: SurvivorshipSettings;
  /** `PRIVACY_HMAC_KEY`: key of the suppression list's HMACs; unset outside production (see `suppressionKey`). */
  privacyHmacKey?: string;
  /** The rules file's `consent` section: purposes and channels. */
  consent?: ConsentSettings;
  /** The rules file's `scoring` section: lead-score points, decay and lifecycle stages. */
  scoring?: ScoringSettings;
}

/** A context for work that no request started: the CLI, the broker consumer, schedulers. */
export function systemContext(
  dataSource: DataSource,
  logger: Logger,
  notifier: ChangeNotifier,
  actor = 'system',
  settings: HubSettings = {},
): ServiceContext {
  return { requestId: randomUUID(), actor, logger, dataSource, notifier, settings };
}

/** A service context inside an open transaction. */
export interface TxContext extends ServiceContext {
  manager: EntityManager;
  /** Runs `effect` only once the transaction has committed (subscription pushes, broker messages). */
  afterCommit(effect: () => void | Promise<void>): void;
}

/**
 * Opens the transaction at the edge and hands it down. Side effects queued with `afterCommit` run only after
 * a successful commit, so nothing leaves the process for a change that was rolled back.
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: TxContext) => Promise<T>): Promise<T> {
  const effects: (() => void | Promise<void>)[] = [];
  const result = await ctx.dataSource.transaction((manager) =>
    work({ ...ctx, manager, afterCommit: (effect) => void effects.push(effect) }),
  );
  for (const effect of effects) {
    try {
      await effect();
    } catch (error) {
      ctx.logger.error({ err: error }, 'after-commit effect failed');
    }
  }
  return result;
}
