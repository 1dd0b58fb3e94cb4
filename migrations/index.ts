import { InitialSchema1798000000000 } from './1798000000000-InitialSchema';

/** Every migration, oldest first. `createDataSource` registers them; add new ones at the end. */
export const migrations = [InitialSchema1798000000000];
