import type { AuthChecker } from 'type-graphql';
import { ErrorCode, HubError } from '../common/hub-error';
import type { ServiceContext } from '../common/context';
import { hasScope } from './principal';

/**
 * type-graphql's check for `@Authorized(scope, …)`: the caller needs every scope listed. The same check runs for
 * HTTP and WebSocket operations (subscriptions are checked when they start). Refusals are coded FORBIDDEN and name
 * the missing scope.
 */
export const scopeAuthChecker: AuthChecker<ServiceContext> = ({ context }, scopes) => {
  requireScopes(context, scopes);
  return true;
};

/** Throws FORBIDDEN unless the caller holds every scope (no caller: refused, never open by mistake). */
export function requireScopes(ctx: Pick<ServiceContext, 'principal'>, scopes: readonly string[]): void {
  for (const scope of scopes) {
    if (!hasScope(ctx.principal, scope)) {
      throw new HubError(ErrorCode.Forbidden, `this operation needs the "${scope}" scope`, { scope });
    }
  }
}
