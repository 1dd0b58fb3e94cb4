import { Field, InterfaceType } from 'type-graphql';

/** Common shape of every expected failure returned as a value (a rejected record, a blocked merge …). */
@InterfaceType({ description: 'An expected failure returned as a value, with a stable code.' })
export abstract class ErrorResult {
  @Field({ description: 'Stable, machine-readable code, e.g. INVALID_EMAIL.' })
  code!: string;

  @Field({ description: 'Human-readable explanation; never contains stack traces or SQL.' })
  message!: string;
}
