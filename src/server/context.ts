import type { ServiceContext } from '../common/context';
import type { Loaders } from './loaders';

/** The context every resolver receives: the service context plus this request's loaders. */
export interface GraphQLContext extends ServiceContext {
  loaders: Loaders;
  /** Profiles (global ids) whose personal data this operation showed unmasked: the audit trail records them. */
  piiReads: Set<string>;
}
